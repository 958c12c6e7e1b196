-- plan
SELECT customer_id, name FROM customers WHERE customer_id IN ('C0001', 'C0002')
