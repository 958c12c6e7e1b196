-- total = round2(sum of line amounts) + shipping cost, recomputed exactly.
SELECT COUNT(*) AS orders,
       SUM(CASE WHEN o.total = l.amount + o.shipping.cost THEN 1 ELSE 0 END) AS matching
FROM orders o
JOIN (SELECT order_id, SUM(ROUND(quantity * unit_price * (1 - COALESCE(discount, 0)), 2)) AS amount
      FROM order_items GROUP BY order_id) l ON l.order_id = o.order_id
