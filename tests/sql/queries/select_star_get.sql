-- SELECT * on a GetItem: key attributes first, then every other attribute by name.
SELECT * FROM customers WHERE customer_id = 'C0001'
