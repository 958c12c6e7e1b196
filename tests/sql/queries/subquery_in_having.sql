SELECT category, AVG(price) AS avg_price FROM products GROUP BY category
HAVING AVG(price) > (SELECT AVG(price) FROM products) ORDER BY category
