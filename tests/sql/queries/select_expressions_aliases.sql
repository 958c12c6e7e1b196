SELECT product_id AS id, price, price * 2 AS double_price, name || '!' AS shout
FROM products
WHERE product_id IN ('P001', 'P002', 'P003')
ORDER BY id
