SELECT i.line_no, p.name FROM order_items i JOIN products p ON p.product_id = i.product_id WHERE i.order_id = 'O000007' ORDER BY i.line_no
