SELECT customer_id, address.geo.lat AS lat, address.geo.lon AS lon FROM customers
WHERE address.geo.lat < -33.9 ORDER BY address.geo.lat, customer_id
