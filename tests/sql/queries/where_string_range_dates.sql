SELECT order_id, order_date FROM orders
WHERE order_date >= '2025-12-30' AND order_date < '2025-12-31'
ORDER BY order_date, order_id
