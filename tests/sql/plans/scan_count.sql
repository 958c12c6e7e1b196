SELECT COUNT(*) AS n FROM products
