SELECT customer_id, name FROM customers WHERE customer_id IN ('C0400', 'C0001', 'C0200', 'C9999', 'C0001') ORDER BY customer_id
