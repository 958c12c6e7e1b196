SELECT product_id, price, (SELECT MAX(price) FROM products) AS max_price FROM products WHERE product_id = 'P001'
