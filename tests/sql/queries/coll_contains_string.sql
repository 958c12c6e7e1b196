SELECT COUNT(*) AS n FROM products WHERE CONTAINS(name, 'Mat')
