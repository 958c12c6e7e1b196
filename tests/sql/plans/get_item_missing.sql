SELECT name FROM customers WHERE customer_id = 'C9999'
