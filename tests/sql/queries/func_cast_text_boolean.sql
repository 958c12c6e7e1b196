SELECT CAST(123 AS TEXT) AS t, CAST(1.50 AS VARCHAR) AS keeps_scale, CAST(TRUE AS TEXT) AS bool_text,
       CAST('yes' AS BOOLEAN) AS yes, CAST('off' AS BOOLEAN) AS off, CAST(0 AS BOOLEAN) AS zero,
       CAST(NULL AS INTEGER) AS null_cast, CAST(attributes AS TEXT) AS map_text
FROM products WHERE product_id = 'P001'
