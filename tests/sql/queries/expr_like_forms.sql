SELECT 'abc' LIKE 'a%' AS a, 'abc' LIKE 'A%' AS b, 'a_c' LIKE 'a!_c' ESCAPE '!' AS c, 'abc' LIKE 'a!_c' ESCAPE '!' AS d,
       'abc' LIKE 'a_c' AS e, 'abc' NOT LIKE '%d' AS f, '100%' LIKE '100!%' ESCAPE '!' AS g, NULL LIKE 'a' AS h, 'ab' LIKE '%' AS i
