-- a.list[2].d: the engraving is the second option of a line.
SELECT order_id, line_no, options[1].name AS opt, options[1].value AS engraving
FROM order_items WHERE options[1].name = 'engraving' AND order_id < 'O000040'
ORDER BY order_id, line_no
