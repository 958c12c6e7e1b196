SELECT order_id, line_no, a.quantity, b.unit_price
FROM order_items a JOIN order_items b USING (order_id, line_no)
WHERE order_id = 'O000010' ORDER BY line_no
