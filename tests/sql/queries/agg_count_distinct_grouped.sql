SELECT category, COUNT(DISTINCT attributes.color) AS colors, COUNT(*) AS n FROM products GROUP BY category ORDER BY category
