SELECT address.country AS country, COUNT(*) AS customers FROM customers GROUP BY address.country ORDER BY country
