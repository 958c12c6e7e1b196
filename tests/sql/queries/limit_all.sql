SELECT COUNT(*) AS n FROM (SELECT product_id FROM products LIMIT ALL) t
