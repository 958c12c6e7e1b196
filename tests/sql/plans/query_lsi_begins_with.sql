SELECT order_id FROM orders WHERE customer_id = 'C0010' AND order_date LIKE '2024-%'
