SELECT c.customer_id, o.order_id FROM customers c
LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.status = 'pending'
WHERE c.customer_id IN ('C0001', 'C0002', 'C0003', 'C0004', 'C0005', 'C0006') ORDER BY c.customer_id, o.order_id
