SELECT line_no, product_id FROM order_items WHERE order_id = 'O000003' AND line_no IN (1, 3, 9) ORDER BY line_no
