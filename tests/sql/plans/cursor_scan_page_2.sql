-- max-rows: 5
-- page: 2
-- A Scan pages the same way: page 2 reads about its 5 rows, not page 1's again.
SELECT * FROM products
