-- max-rows: 2
-- A streaming Query: the page reads its 2 rows plus 1 (Limit = max_rows + 1) to learn that more exist.
SELECT order_id, total FROM orders WHERE customer_id = 'C0029'
