-- Full primary key equal to a constant: one GetItem, only the needed attributes.
SELECT name, tier FROM customers WHERE customer_id = 'C0001'
