SELECT product_id, price FROM products WHERE price > (SELECT AVG(price) FROM products) * 1.9 ORDER BY price DESC, product_id
