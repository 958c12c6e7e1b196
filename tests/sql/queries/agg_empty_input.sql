SELECT COUNT(*) AS n, COUNT(total) AS c, SUM(total) AS s, AVG(total) AS a, MIN(order_date) AS mn, MAX(order_date) AS mx
FROM orders WHERE customer_id = 'C9999'
