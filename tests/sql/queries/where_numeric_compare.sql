SELECT order_id, total FROM orders WHERE total > 1500 ORDER BY total DESC, order_id
