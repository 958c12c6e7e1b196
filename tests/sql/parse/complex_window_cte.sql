WITH ranked AS (
  SELECT pk, sk, amount, ROW_NUMBER() OVER (PARTITION BY pk ORDER BY sk DESC) AS rn
  FROM events WHERE pk BETWEEN 'a' AND 'm'
)
SELECT pk, sk, amount FROM ranked WHERE rn <= 3 ORDER BY pk, rn