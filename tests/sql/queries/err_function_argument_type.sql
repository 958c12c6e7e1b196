SELECT UPPER(price) FROM products WHERE product_id = 'P001'
