-- LIMIT stops reading once enough rows exist.
SELECT product_id FROM products LIMIT 5
