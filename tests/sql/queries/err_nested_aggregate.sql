SELECT SUM(COUNT(*)) FROM customers
