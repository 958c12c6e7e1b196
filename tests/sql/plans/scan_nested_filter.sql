SELECT customer_id FROM customers WHERE address.country = 'JP' AND tier = 'gold'
