SELECT order_id, status FROM orders WHERE customer_id = 'C0010' AND status IN ('pending', 'cancelled', 'shipped') ORDER BY order_id
