SELECT o.order_id, o.total FROM orders o
WHERE o.customer_id = 'C0004' AND o.total > (SELECT AVG(x.total) FROM orders x WHERE x.customer_id = o.customer_id)
ORDER BY o.order_id
