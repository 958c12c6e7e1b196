-- max-rows: 3
-- page: 3
-- With a FilterExpression, each page resumes after the item of its last row.
SELECT product_id, price FROM products WHERE in_stock = FALSE
