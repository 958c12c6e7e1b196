SELECT CAST(0.1 AS DOUBLE) + CAST(0.2 AS DOUBLE) AS binary_sum, CAST(1 AS DOUBLE) AS one, CAST('2.5' AS REAL) AS real_val,
       CAST(price AS DOUBLE) AS price_double FROM products WHERE product_id = 'P001'
