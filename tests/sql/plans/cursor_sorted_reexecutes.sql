-- max-rows: 5
-- page: 2
-- A sort needs every row: page 2 runs the query again and skips page 1's rows.
SELECT product_id FROM products ORDER BY price DESC
