SELECT name FROM products WHERE category = 'toys'
UNION
SELECT name FROM products WHERE category = 'books'
ORDER BY 1 DESC LIMIT 4 OFFSET 2
