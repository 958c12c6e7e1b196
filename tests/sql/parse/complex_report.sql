SELECT c.region, COUNT(DISTINCT o.id) AS orders, SUM(o.total) AS revenue
FROM sales.customers c
LEFT JOIN sales.orders o ON o.customer_id = c.id AND o.status IN ('paid', 'shipped')
WHERE c.created_at >= '2024-01-01' AND c.name NOT LIKE 'test%'
GROUP BY c.region
HAVING SUM(o.total) > 1000
ORDER BY revenue DESC, c.region
LIMIT 10