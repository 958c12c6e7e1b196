SELECT p.category, COUNT(*) AS lines, SUM(i.quantity) AS units
FROM order_items i JOIN products p ON p.product_id = i.product_id
GROUP BY p.category ORDER BY p.category
