SELECT product_id FROM products ORDER BY product_id LIMIT 5 OFFSET 500
