-- Columns without an alias are named after their expression.
SELECT customer_id, COUNT(*), UPPER(tier), 1 + 1, address.city
FROM customers WHERE customer_id = 'C0001'
GROUP BY customer_id, tier, address.city
