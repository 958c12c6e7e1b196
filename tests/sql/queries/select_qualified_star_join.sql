SELECT c.name, o.* FROM customers c JOIN orders o ON o.customer_id = c.customer_id
WHERE c.customer_id = 'C0029'
ORDER BY o.order_id
