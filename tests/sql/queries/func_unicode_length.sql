SELECT LENGTH('naïve') AS chars, SUBSTRING('naïve', 3, 2) AS sub, UPPER('abc') AS up, POSITION('v' IN 'naïve') AS pos
