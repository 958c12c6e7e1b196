SELECT order_id FROM orders WHERE customer_id = 'C0004' AND order_id BETWEEN 'O000010' AND 'O000013'
