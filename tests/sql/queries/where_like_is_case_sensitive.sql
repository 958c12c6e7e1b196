SELECT COUNT(*) AS upper_a, (SELECT COUNT(*) FROM customers WHERE name LIKE 'ada%') AS lower_a FROM customers WHERE name LIKE 'Ada%'
