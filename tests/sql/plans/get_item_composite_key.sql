SELECT status, total FROM orders WHERE customer_id = 'C0002' AND order_id = 'O000001'
