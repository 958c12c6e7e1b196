SELECT LEN(name) FROM customers
