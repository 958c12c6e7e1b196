SELECT a.product_id AS cheaper, b.product_id AS dearer
FROM products a JOIN products b ON a.category = b.category AND a.price < b.price
WHERE a.category = 'beauty' AND b.price - a.price < 10
ORDER BY a.product_id, b.product_id
