SELECT customer_id, name FROM customers UNION SELECT order_id FROM orders
