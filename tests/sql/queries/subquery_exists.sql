SELECT c.customer_id FROM customers c
WHERE c.tier = 'gold' AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id AND o.status = 'cancelled')
ORDER BY c.customer_id
