-- SELECT * on a Query: whole items (no ProjectionExpression), ordered by the sort key without a sort.
SELECT * FROM orders WHERE customer_id = 'C0026' ORDER BY order_id
