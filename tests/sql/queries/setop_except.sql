SELECT category FROM products EXCEPT SELECT category FROM products WHERE price > 280 ORDER BY category
