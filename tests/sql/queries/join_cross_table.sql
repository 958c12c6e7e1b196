SELECT t.tier, s.status FROM (SELECT DISTINCT tier FROM customers) t CROSS JOIN (SELECT DISTINCT status FROM orders) s ORDER BY t.tier, s.status
