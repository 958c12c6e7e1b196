SELECT order_id, order_date FROM orders WHERE customer_id = 'C0010' AND order_date LIKE '2025-%' ORDER BY order_date
