SELECT order_id FROM orders WHERE customer_id = 'C0004' AND order_id < 'O000012'
