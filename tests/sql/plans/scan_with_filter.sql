SELECT product_id FROM products WHERE in_stock = FALSE AND price > 250
