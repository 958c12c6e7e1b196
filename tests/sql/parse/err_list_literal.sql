SELECT * FROM orders WHERE tags = [1, 2]
