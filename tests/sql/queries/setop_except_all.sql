SELECT x FROM (VALUES (1), (1), (1), (2), (3)) AS a (x)
EXCEPT ALL
SELECT y FROM (VALUES (1), (3), (3), (4)) AS b (y)
ORDER BY x
