SELECT product_id, price FROM products WHERE category = 'toys' AND price BETWEEN 100 AND 150
