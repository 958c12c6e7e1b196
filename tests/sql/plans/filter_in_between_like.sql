SELECT order_id FROM orders WHERE customer_id = 'C0004' AND status IN ('delivered', 'shipped') AND total BETWEEN 50 AND 900 AND currency LIKE 'G%'
