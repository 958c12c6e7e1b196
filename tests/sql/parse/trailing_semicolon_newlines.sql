SELECT a FROM t WHERE b = 'x';

