SELECT v.id, c.customer_id, c.tier
FROM (VALUES ('C0001'), ('C0003'), ('C9999')) AS v (id)
FULL JOIN (SELECT customer_id, tier FROM customers WHERE customer_id IN ('C0001', 'C0002', 'C0003')) c ON c.customer_id = v.id
ORDER BY v.id, c.customer_id
