SELECT order_id, total FROM orders WHERE customer_id = 'C0004' ORDER BY order_id
