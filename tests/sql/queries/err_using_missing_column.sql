SELECT * FROM customers JOIN products USING (customer_id)
