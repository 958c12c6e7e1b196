SELECT line_no FROM order_items WHERE order_id = 'O000003' AND line_no > 1
