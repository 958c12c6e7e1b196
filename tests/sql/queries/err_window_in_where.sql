SELECT customer_id FROM customers WHERE ROW_NUMBER() OVER (ORDER BY customer_id) = 1
