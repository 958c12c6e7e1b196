-- LEFT JOIN into a table by its key: BatchGetItem per batch of left rows; unmatched rows are kept.
SELECT i.line_no, p.name FROM order_items i LEFT JOIN products p ON p.product_id = i.product_id AND p.in_stock = TRUE WHERE i.order_id = 'O000007' ORDER BY i.line_no
