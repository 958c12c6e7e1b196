SELECT product_id, name FROM products ORDER BY LENGTH(name) DESC, product_id LIMIT 5
