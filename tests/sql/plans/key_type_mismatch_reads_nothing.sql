-- A number can never equal the string key: nothing is read.
SELECT name FROM customers WHERE customer_id = 5
