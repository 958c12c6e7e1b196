-- A function called with the wrong number of arguments. (SUBSTRING('abc') is a
-- parse error instead: SUBSTRING's FROM/FOR syntax is parsed specially.)
SELECT REPLACE(name, 'x') FROM customers
