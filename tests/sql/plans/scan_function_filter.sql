SELECT product_id FROM products WHERE LOWER(name) = 'eco kite'
