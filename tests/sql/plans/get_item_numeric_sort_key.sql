SELECT product_id, quantity FROM order_items WHERE order_id = 'O000002' AND line_no = 2
