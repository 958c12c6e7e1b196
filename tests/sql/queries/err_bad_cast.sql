SELECT CAST(name AS INTEGER) FROM customers WHERE customer_id = 'C0001'
