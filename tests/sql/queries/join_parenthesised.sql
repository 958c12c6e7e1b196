SELECT c.customer_id, o.order_id, i.line_no
FROM customers c JOIN (orders o JOIN order_items i ON i.order_id = o.order_id) ON o.customer_id = c.customer_id
WHERE c.customer_id = 'C0002' ORDER BY o.order_id, i.line_no
