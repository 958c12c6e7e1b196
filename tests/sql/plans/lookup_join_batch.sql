-- Joining on the other table's partition key: batched key lookups.
SELECT o.order_id, c.name FROM orders o JOIN customers c ON c.customer_id = o.customer_id WHERE o.customer_id = 'C0002' ORDER BY o.order_id
