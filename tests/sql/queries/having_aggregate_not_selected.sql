SELECT category FROM products GROUP BY category HAVING MAX(price) > 290 ORDER BY category
