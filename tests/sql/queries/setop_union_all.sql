SELECT COUNT(*) AS n FROM (SELECT tier AS x FROM customers UNION ALL SELECT status FROM orders) t
