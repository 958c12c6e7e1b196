SELECT o.order_id, i.line_no, p.category, c.tier
FROM customers c
JOIN orders o ON o.customer_id = c.customer_id
JOIN order_items i ON i.order_id = o.order_id
JOIN products p ON p.product_id = i.product_id
WHERE c.customer_id = 'C0004'
ORDER BY o.order_id, i.line_no
