-- SUM and AVG are exact decimals.
SELECT status, SUM(total) AS revenue, AVG(total) AS average, MIN(total) AS smallest, MAX(total) AS largest
FROM orders GROUP BY status ORDER BY status
