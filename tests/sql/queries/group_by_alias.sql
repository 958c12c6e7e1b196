SELECT status AS s, COUNT(*) AS n FROM orders GROUP BY s ORDER BY s
