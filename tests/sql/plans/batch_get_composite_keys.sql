SELECT order_id, total FROM orders WHERE customer_id = 'C0002' AND order_id IN ('O000001', 'O000002', 'O000003') ORDER BY order_id
