EXPLAIN SELECT customer_id, name FROM customers WHERE tier = 'gold' AND signup_date >= '2025-06-01' ORDER BY signup_date DESC LIMIT 3
