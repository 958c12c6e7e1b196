SELECT o.order_id, o.total, c.name FROM orders o INNER JOIN customers c ON c.customer_id = o.customer_id
WHERE o.customer_id = 'C0002' ORDER BY o.order_id
