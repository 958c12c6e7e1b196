SELECT o.order_id, c.tier FROM orders o, customers c
WHERE o.customer_id = c.customer_id AND o.customer_id = 'C0003' ORDER BY o.order_id
