SELECT 'abc FROM customers
