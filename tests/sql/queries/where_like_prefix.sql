SELECT customer_id, name FROM customers WHERE name LIKE 'Ada %' ORDER BY customer_id
