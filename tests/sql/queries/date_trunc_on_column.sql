SELECT DATE_TRUNC('month', order_date) AS month, COUNT(*) AS n FROM orders WHERE customer_id IN ('C0002', 'C0004', 'C0006')
GROUP BY DATE_TRUNC('month', order_date) ORDER BY month
