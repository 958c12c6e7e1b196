SELECT adress.city FROM customers
