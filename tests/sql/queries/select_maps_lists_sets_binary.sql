-- Maps and lists come out as JSON, sets as arrays, binary as base64.
SELECT product_id, attributes, tags, ratings, image FROM products WHERE product_id IN ('P001', 'P002') ORDER BY product_id
