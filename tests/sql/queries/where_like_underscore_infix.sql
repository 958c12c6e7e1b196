SELECT product_id, name FROM products WHERE name LIKE '%o_o%' ORDER BY product_id
