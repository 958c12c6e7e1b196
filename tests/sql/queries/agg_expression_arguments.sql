SELECT SUM(quantity * unit_price) AS gross, SUM(quantity) AS units, MAX(quantity * unit_price) AS biggest_line
FROM order_items WHERE order_id < 'O000100'
