-- The keyed table may be on the left of an inner join: it is still read by key for each row of the other side.
SELECT p.name, i.line_no FROM products p JOIN order_items i ON p.product_id = i.product_id WHERE i.order_id = 'O000007' ORDER BY i.line_no
