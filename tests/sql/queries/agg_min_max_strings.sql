SELECT MIN(order_date) AS first_order, MAX(order_date) AS last_order, MIN(name) AS first_name, MAX(email) AS last_email
FROM orders o JOIN customers c ON c.customer_id = o.customer_id
