SELECT customer_id, lifetime_value, RANK() OVER (ORDER BY lifetime_value DESC) AS rnk FROM customers ORDER BY rnk, customer_id LIMIT 5
