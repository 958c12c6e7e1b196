SELECT 7 + 3 AS a, 7 - 10 AS b, 7 * 3 AS c, 7 / 2 AS d, -7 % 3 AS e, 2 * (3 + 4) AS f, -(-5) AS g, 2 + 3 * 4 AS h
