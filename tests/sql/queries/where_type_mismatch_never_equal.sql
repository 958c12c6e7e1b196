-- A string and a number are never equal (DynamoDB's rule): no row.
SELECT COUNT(*) AS n FROM products WHERE price = '78.25'
