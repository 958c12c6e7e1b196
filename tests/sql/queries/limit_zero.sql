SELECT product_id FROM products LIMIT 0
