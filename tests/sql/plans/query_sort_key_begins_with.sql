SELECT order_id FROM orders WHERE customer_id = 'C0004' AND order_id LIKE 'O00001%'
