SELECT order_id, line_no, SIZE(options) AS n, options[0] AS first, options[1] AS second, options[1].value AS engraving
FROM order_items WHERE order_id IN ('O000001', 'O000002', 'O000003', 'O000004', 'O000005') ORDER BY order_id, line_no
