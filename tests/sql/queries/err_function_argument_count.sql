SELECT SUBSTRING('abc') FROM customers
