SELECT COUNT(*) AS n, COUNT(c.customer_id) AS customers, COUNT(o.order_id) AS orders
FROM customers c FULL OUTER JOIN orders o ON o.customer_id = c.customer_id
