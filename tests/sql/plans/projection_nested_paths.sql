SELECT address.city, address.geo.lat FROM customers WHERE customer_id = 'C0001'
