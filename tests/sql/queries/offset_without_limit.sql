SELECT product_id FROM products ORDER BY product_id OFFSET 117
