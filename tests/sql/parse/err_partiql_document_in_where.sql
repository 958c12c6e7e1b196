SELECT * FROM orders WHERE x = {'a': 1}
