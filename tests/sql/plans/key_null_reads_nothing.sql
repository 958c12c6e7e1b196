SELECT name FROM customers WHERE customer_id = NULL
