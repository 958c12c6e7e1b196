SELECT o.order_id, b.label FROM orders o
JOIN (VALUES (0, 100, 'small'), (100, 500, 'medium'), (500, 100000, 'large')) AS b (lo, hi, label)
  ON o.total >= b.lo AND o.total < b.hi
WHERE o.customer_id = 'C0006' ORDER BY o.order_id
