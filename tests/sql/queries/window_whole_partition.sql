SELECT product_id, category, price, AVG(price) OVER (PARTITION BY category) AS cat_avg,
       MIN(price) OVER (PARTITION BY category) AS cat_min, MAX(price) OVER (PARTITION BY category) AS cat_max,
       SUM(price) OVER () AS all_sum, COUNT(*) OVER () AS all_count
FROM products WHERE category IN ('beauty', 'home') ORDER BY product_id
