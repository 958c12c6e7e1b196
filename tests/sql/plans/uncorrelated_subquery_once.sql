SELECT product_id FROM products WHERE price > (SELECT MAX(price) FROM products WHERE category = 'books') AND category = 'toys'
