WITH t AS (SELECT tier, COUNT(*) AS n FROM customers GROUP BY tier)
SELECT a.tier AS smaller, b.tier AS larger FROM t a JOIN t b ON a.n < b.n ORDER BY 1, 2
