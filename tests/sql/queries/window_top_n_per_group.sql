SELECT category, product_id, price FROM (
  SELECT category, product_id, price, ROW_NUMBER() OVER (PARTITION BY category ORDER BY price DESC, product_id) AS rn FROM products
) t WHERE rn = 1 ORDER BY category
