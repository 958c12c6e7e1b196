SELECT order_id, order_date, total, SUM(total) OVER (PARTITION BY customer_id ORDER BY order_date) AS running
FROM orders WHERE customer_id = 'C0004' ORDER BY order_date
