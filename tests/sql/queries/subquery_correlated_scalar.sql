SELECT c.customer_id, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.customer_id) AS n,
       (SELECT MAX(o.total) FROM orders o WHERE o.customer_id = c.customer_id) AS biggest
FROM customers c WHERE c.customer_id IN ('C0001', 'C0002', 'C0003', 'C0004') ORDER BY c.customer_id
