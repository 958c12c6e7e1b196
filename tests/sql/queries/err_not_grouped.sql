SELECT tier, name FROM customers GROUP BY tier
