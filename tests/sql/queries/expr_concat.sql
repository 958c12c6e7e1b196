SELECT 'a' || 'b' || 'c' AS abc, 'x' || NULL AS with_null, name || ' <' || email || '>' AS contact
FROM customers WHERE customer_id = 'C0001'
