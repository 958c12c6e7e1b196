EXPLAIN SELECT product_id FROM products WHERE product_id IN (SELECT product_id FROM order_items WHERE order_id = 'O000001')
UNION SELECT 'P999'
