SELECT customer_id, address.city AS city, address.street AS street FROM customers
WHERE address.city = 'Paris' AND tier = 'gold' ORDER BY customer_id
