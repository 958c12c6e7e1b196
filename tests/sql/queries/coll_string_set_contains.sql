SELECT COUNT(*) AS vip, (SELECT COUNT(*) FROM customers WHERE SIZE(tags) = 3) AS three_tags FROM customers WHERE CONTAINS(tags, 'vip')
