SELECT COUNT(*) AS n, COUNT("options"[5].name) AS deep, COUNT(address.nothing) AS missing FROM customers
