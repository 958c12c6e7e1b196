SELECT tier FROM customers WHERE COUNT(*) > 1 GROUP BY tier
