SELECT customer_id, order_id, total, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY total DESC) AS rn
FROM orders WHERE customer_id IN ('C0002', 'C0003') ORDER BY customer_id, rn
