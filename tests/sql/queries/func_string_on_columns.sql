SELECT customer_id, SUBSTRING(email, 1, POSITION('@' IN email) - 1) AS local_part,
       REPLACE(address.street, ' ', '_') AS street, UPPER(SUBSTRING(name, 1, 1)) AS initial
FROM customers WHERE customer_id <= 'C0005' ORDER BY customer_id
