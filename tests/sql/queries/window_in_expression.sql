SELECT order_id, total, total - AVG(total) OVER (PARTITION BY customer_id) AS vs_avg
FROM orders WHERE customer_id = 'C0002' ORDER BY order_id
