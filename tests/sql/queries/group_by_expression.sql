SELECT SUBSTRING(order_date, 1, 4) AS year, COUNT(*) AS n FROM orders GROUP BY SUBSTRING(order_date, 1, 4) ORDER BY year
