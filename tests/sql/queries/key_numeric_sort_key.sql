SELECT order_id, line_no, product_id FROM order_items WHERE order_id = 'O000002' AND line_no >= 2 ORDER BY line_no
