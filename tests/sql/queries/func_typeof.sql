SELECT TYPEOF(name) AS s, TYPEOF(price) AS n, TYPEOF(in_stock) AS b, TYPEOF(attributes) AS m, TYPEOF(tags) AS l,
       TYPEOF(ratings) AS ns, TYPEOF(image) AS bin, TYPEOF("nothing_here") AS missing
FROM products WHERE product_id = 'P001'
