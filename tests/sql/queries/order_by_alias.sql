SELECT customer_id, lifetime_value AS ltv FROM customers ORDER BY ltv DESC, customer_id LIMIT 5
