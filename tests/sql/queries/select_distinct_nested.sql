-- unordered
SELECT DISTINCT address.country AS country FROM customers
