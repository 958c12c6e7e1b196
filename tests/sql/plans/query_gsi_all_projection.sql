SELECT customer_id, name FROM customers WHERE email = 'ben.kowalski1@example.com'
