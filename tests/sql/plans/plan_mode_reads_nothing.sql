-- plan
SELECT name FROM customers WHERE customer_id = 'C0001'
