SELECT t.tier, t.n FROM (SELECT tier, COUNT(*) AS n FROM customers GROUP BY tier) AS t WHERE t.n > 100 ORDER BY t.n DESC
