SELECT tier, marketing_opt_in, COUNT(*) AS n FROM customers GROUP BY tier, marketing_opt_in ORDER BY tier, marketing_opt_in
