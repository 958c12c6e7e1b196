-- SELECT * reads whole items: no ProjectionExpression.
SELECT * FROM products WHERE product_id = 'P010'
