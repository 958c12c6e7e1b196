-- max-rows: 5
SELECT customer_id FROM customers ORDER BY customer_id
