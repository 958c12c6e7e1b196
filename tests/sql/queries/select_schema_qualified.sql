SELECT c.name, c.tier FROM demo.customers AS c WHERE c.customer_id = 'C0004'
