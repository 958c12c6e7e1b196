SELECT DISTINCT category, in_stock FROM products ORDER BY category, in_stock
