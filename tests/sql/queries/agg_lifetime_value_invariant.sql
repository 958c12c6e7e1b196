-- customers.lifetime_value = the sum of their non-cancelled order totals:
-- exact decimal sums make every customer match.
SELECT COUNT(*) AS customers,
       SUM(CASE WHEN c.lifetime_value = COALESCE(t.s, 0) THEN 1 ELSE 0 END) AS matching
FROM customers c
LEFT JOIN (SELECT customer_id, SUM(total) AS s FROM orders WHERE status <> 'cancelled' GROUP BY customer_id) t
  ON t.customer_id = c.customer_id
