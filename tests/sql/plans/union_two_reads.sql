SELECT customer_id FROM customers WHERE customer_id = 'C0001' UNION SELECT customer_id FROM orders WHERE customer_id = 'C0002' AND order_id = 'O000001'
