SELECT SUBSTRING('hello world', 7) AS a, SUBSTRING('hello world', 1, 5) AS b, SUBSTRING('hello' FROM 2 FOR 3) AS c,
       SUBSTRING('hello' FROM 4) AS d, SUBSTRING('hello', 0, 3) AS e, SUBSTRING('hello', 10) AS f, SUBSTRING('hello', -1, 4) AS g
