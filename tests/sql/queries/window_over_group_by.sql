SELECT tier, COUNT(*) AS n, RANK() OVER (ORDER BY COUNT(*) DESC) AS rnk, SUM(COUNT(*)) OVER () AS total
FROM customers GROUP BY tier ORDER BY rnk
