SELECT product_id, name FROM products WHERE name LIKE '%-%' AND name NOT LIKE '%!_%' ESCAPE '!' ORDER BY product_id
