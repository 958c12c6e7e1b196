SELECT customer_id, name FROM customers WHERE customer_id IN ('C0003', 'C0001', 'C0002', 'C9999') ORDER BY customer_id
