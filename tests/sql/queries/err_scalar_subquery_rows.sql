SELECT (SELECT customer_id FROM customers WHERE tier = 'gold') AS c
