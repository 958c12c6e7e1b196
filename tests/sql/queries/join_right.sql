SELECT o.order_id, c.customer_id FROM (SELECT * FROM orders WHERE status = 'pending') o
RIGHT JOIN (SELECT customer_id FROM customers WHERE customer_id < 'C0008') c ON c.customer_id = o.customer_id
ORDER BY c.customer_id, o.order_id
