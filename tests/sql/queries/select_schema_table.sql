SELECT name, tier FROM demo.customers WHERE customer_id = 'C0004'
