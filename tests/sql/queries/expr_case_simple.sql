SELECT status, CASE status WHEN 'delivered' THEN 1 WHEN 'shipped' THEN 2 ELSE 3 END AS stage, COUNT(*) AS n
FROM orders GROUP BY status ORDER BY stage, status
