SELECT order_id, line_no, quantity * unit_price AS gross, unit_price * (1 - discount) AS discounted
FROM order_items WHERE order_id = 'O000003' ORDER BY line_no
