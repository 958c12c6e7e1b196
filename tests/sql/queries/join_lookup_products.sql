SELECT i.line_no, i.product_id, p.name, i.quantity, i.unit_price, p.price
FROM order_items i JOIN products p ON p.product_id = i.product_id
WHERE i.order_id = 'O000007' ORDER BY i.line_no
