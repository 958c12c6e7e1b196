SELECT '[' || TRIM('  x  ') || ']' AS both_sides, '[' || TRIM(LEADING FROM '  x  ') || ']' AS leading,
       '[' || TRIM(TRAILING FROM '  x  ') || ']' AS trailing, TRIM(BOTH 'x' FROM 'xxhixx') AS chars,
       TRIM('ab' FROM 'abbahiab') AS set_of_chars, TRIM(LEADING '0' FROM '000120') AS zeros
