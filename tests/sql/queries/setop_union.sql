SELECT address.country AS country FROM customers WHERE tier = 'gold'
UNION
SELECT shipping.address.country FROM orders WHERE status = 'pending'
ORDER BY 1
