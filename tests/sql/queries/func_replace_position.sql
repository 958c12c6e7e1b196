SELECT REPLACE('banana', 'an', 'AN') AS r1, REPLACE('banana', 'x', 'y') AS r2, REPLACE('banana', 'a', '') AS r3,
       POSITION('an' IN 'banana') AS p1, POSITION('x' IN 'banana') AS p2, POSITION('' IN 'banana') AS p3
