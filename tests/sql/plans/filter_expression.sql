-- Residual predicates go into FilterExpression, as placeholders.
SELECT order_id FROM orders WHERE customer_id = 'C0004' AND total > 100 AND status <> 'cancelled'
