SELECT customer_id FROM customers ORDER BY signup_date, customer_id LIMIT 5
