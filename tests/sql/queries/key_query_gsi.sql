SELECT customer_id, signup_date, name FROM customers WHERE tier = 'gold' AND signup_date >= '2025-11-01' ORDER BY signup_date
