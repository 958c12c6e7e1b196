SELECT customer_id, tier, address.country AS country FROM customers
WHERE tier = 'gold' AND address.country = 'JP' OR tier = 'silver' AND address.country = 'AU'
ORDER BY customer_id
