SELECT product_id, price, ROUND(price) AS rounded, FLOOR(price) AS floored, CEIL(price) AS ceiled, ROUND(price * 1.2, 2) AS with_vat,
       MOD(attributes.weight_g, 100) AS grams
FROM products WHERE product_id <= 'P005' ORDER BY product_id
