SELECT tier FROM customers ORDER BY 3
