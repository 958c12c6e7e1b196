SELECT v.status, v.label, COUNT(o.order_id) AS n
FROM (VALUES ('pending', 'P'), ('cancelled', 'C'), ('lost', 'L')) AS v (status, label)
LEFT JOIN orders o ON o.status = v.status
GROUP BY v.status, v.label ORDER BY v.status
