SELECT product_id, price * 2 AS doubled FROM products WHERE category = 'books' ORDER BY 2 DESC, product_id LIMIT 4
