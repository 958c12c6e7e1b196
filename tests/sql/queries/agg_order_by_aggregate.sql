SELECT address.city AS city, COUNT(*) AS n FROM customers GROUP BY address.city ORDER BY COUNT(*) DESC, city LIMIT 5
