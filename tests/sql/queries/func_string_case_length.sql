SELECT name, UPPER(name) AS up, LOWER(name) AS low, LENGTH(name) AS len, LENGTH('') AS empty, LENGTH(NULL) AS nul
FROM products WHERE product_id IN ('P001', 'P002') ORDER BY product_id
