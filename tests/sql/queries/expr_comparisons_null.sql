SELECT NULL = NULL AS eq, NULL IS NULL AS isnull, 1 IN (1, NULL) AS in1, 2 IN (1, NULL) AS in2,
       2 NOT IN (1, NULL) AS notin, 5 BETWEEN 1 AND 10 AS btw, 'b' BETWEEN 'a' AND 'c' AS sbtw, 1 <> 2 AS ne, 1 != 1 AS ne2
