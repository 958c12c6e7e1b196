SELECT order_id, total / (item_count - item_count) FROM orders WHERE customer_id = 'C0002'
