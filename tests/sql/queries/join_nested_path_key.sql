SELECT o.order_id, o.shipping.address.city AS ship_city, c.address.city AS home_city
FROM orders o JOIN customers c ON c.customer_id = o.customer_id
WHERE o.customer_id = 'C0008' ORDER BY o.order_id
