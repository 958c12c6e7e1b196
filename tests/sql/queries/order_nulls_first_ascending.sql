SELECT customer_id, phone FROM customers WHERE customer_id <= 'C0030' ORDER BY phone, customer_id
