SELECT tier FROM customers UNION SELECT 'platinum' EXCEPT SELECT 'bronze' ORDER BY 1
