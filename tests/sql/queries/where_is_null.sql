-- A DynamoDB NULL and a missing attribute are both SQL NULL.
SELECT COUNT(*) AS no_phone FROM customers WHERE phone IS NULL
