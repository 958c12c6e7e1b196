SELECT DISTINCT tier FROM customers ORDER BY tier
