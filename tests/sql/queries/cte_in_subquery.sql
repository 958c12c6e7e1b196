WITH refunds AS (SELECT customer_id FROM orders WHERE status = 'cancelled' AND total > 1000)
SELECT customer_id, name FROM customers WHERE customer_id IN (SELECT customer_id FROM refunds) ORDER BY customer_id
