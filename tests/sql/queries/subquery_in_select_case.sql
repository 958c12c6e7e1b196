SELECT product_id,
       CASE WHEN product_id IN (SELECT product_id FROM order_items WHERE quantity = 5) THEN 'bulk' ELSE 'normal' END AS kind
FROM products WHERE product_id <= 'P012' ORDER BY product_id
