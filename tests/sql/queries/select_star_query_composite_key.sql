-- SELECT * over several items: both key attributes first, then the union of the
-- other attributes seen in the returned rows; a missing one is NULL.
SELECT * FROM orders WHERE customer_id = 'C0026' ORDER BY order_id
