SELECT product_id, tags FROM products WHERE tags[0] = 'bundle' ORDER BY product_id
