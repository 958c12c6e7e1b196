-- ORDER BY the sort key with LIMIT: the Query gives the order (no sort) and stops after 1 item.
SELECT line_no, product_id FROM order_items WHERE order_id = 'O000003' ORDER BY line_no LIMIT 1
