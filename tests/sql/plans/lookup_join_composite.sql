SELECT o.order_id, i.line_no, i.product_id FROM orders o JOIN order_items i ON i.order_id = o.order_id WHERE o.customer_id = 'C0003' ORDER BY o.order_id, i.line_no
