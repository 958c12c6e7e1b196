WITH s (st, cnt) AS (SELECT status, COUNT(*) FROM orders GROUP BY status)
SELECT st, cnt FROM s ORDER BY cnt DESC
