SELECT order_id, total, shipping.cost AS cost FROM orders
WHERE shipping.cost * 10 > total ORDER BY order_id
