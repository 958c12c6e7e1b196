SELECT customer_id, c.name, o.order_id FROM customers c JOIN orders o USING (customer_id)
WHERE customer_id = 'C0002' ORDER BY o.order_id
