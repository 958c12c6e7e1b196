SELECT customer_id FROM customers ORDER BY customer_id LIMIT 3 OFFSET 10
