SELECT a.x, b.y FROM (VALUES (1), (2)) AS a (x) CROSS JOIN (VALUES ('a'), ('b'), ('c')) AS b (y) ORDER BY a.x, b.y
