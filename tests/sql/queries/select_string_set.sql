SELECT customer_id, tags, address FROM customers WHERE customer_id = 'C0001'
