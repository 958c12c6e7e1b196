-- leading comment
SELECT /* inline */ a -- trailing
FROM t /* multi
line */