-- Products nobody ordered.
SELECT product_id FROM products WHERE product_id NOT IN (SELECT product_id FROM order_items) ORDER BY product_id
