SELECT customer_id, phone, ROW_NUMBER() OVER (ORDER BY phone, customer_id) AS rn FROM customers WHERE customer_id <= 'C0015' ORDER BY rn
