SELECT product_id, category, in_stock,
       RANK() OVER (PARTITION BY category ORDER BY in_stock) AS rnk,
       DENSE_RANK() OVER (PARTITION BY category ORDER BY in_stock) AS drnk
FROM products WHERE category IN ('books', 'toys') ORDER BY category, product_id
