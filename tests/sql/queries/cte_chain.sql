WITH per_customer AS (
  SELECT customer_id, COUNT(*) AS n, SUM(total) AS spent FROM orders GROUP BY customer_id
), big AS (
  SELECT customer_id, n, spent FROM per_customer WHERE n >= 8
)
SELECT b.customer_id, b.n, b.spent, c.tier FROM big b JOIN customers c ON c.customer_id = b.customer_id
ORDER BY b.spent DESC, b.customer_id LIMIT 5
