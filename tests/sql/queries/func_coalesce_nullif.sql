SELECT customer_id, COALESCE(phone, 'none') AS phone, NULLIF(tier, 'bronze') AS tier_or_null, COALESCE(NULL, NULL, 3) AS three
FROM customers WHERE customer_id <= 'C0012' ORDER BY customer_id
