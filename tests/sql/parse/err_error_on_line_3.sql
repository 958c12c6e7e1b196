SELECT a,
       b
  FROM t WHERE c = = 1