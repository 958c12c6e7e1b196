-- orders.item_count = the number of order_items rows of the order.
SELECT COUNT(*) AS orders, SUM(CASE WHEN o.item_count = x.n THEN 1 ELSE 0 END) AS matching
FROM orders o JOIN (SELECT order_id, COUNT(*) AS n FROM order_items GROUP BY order_id) x ON x.order_id = o.order_id
