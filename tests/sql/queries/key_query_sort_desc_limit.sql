SELECT order_id, order_date FROM orders WHERE customer_id = 'C0004' ORDER BY order_id DESC LIMIT 2
