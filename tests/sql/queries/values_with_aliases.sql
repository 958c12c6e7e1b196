SELECT * FROM (VALUES (1, 'one'), (2, 'two'), (3, NULL)) AS v (n, word) ORDER BY n
