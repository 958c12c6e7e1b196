-- Values of different types sort by type: NULL, booleans, numbers, strings.
SELECT x FROM (VALUES ('b'), (2), (NULL), (TRUE), (1.5), ('a'), (FALSE)) AS v (x) ORDER BY x
