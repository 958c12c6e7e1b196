SELECT c.customer_id, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.customer_id) AS n FROM customers c WHERE c.customer_id IN ('C0001', 'C0002') ORDER BY c.customer_id
