SELECT customer_id, signup_date FROM customers WHERE tier = 'gold' ORDER BY signup_date DESC LIMIT 3
