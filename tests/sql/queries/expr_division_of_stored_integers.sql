-- / is exact even when both operands are whole numbers read from DynamoDB
-- (which drops trailing zeros, so a stored 2.00 comes back as 2).
SELECT order_id, line_no, quantity, quantity / 4 AS quarter, 10 / quantity AS per_unit, 1 / 3 AS third
FROM order_items WHERE order_id = 'O000004' ORDER BY line_no
