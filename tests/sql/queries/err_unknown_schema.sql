SELECT * FROM prod.customers
