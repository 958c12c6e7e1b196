SELECT tier FROM customers GROUP BY 2
