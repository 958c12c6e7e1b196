SELECT product_id, name, price FROM products ORDER BY price DESC, product_id LIMIT 5
