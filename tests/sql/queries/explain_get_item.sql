EXPLAIN SELECT * FROM customers WHERE customer_id = 'C0001'
