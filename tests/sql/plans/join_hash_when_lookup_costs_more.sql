-- A key equality, but every order_items row would look up a product: reading products once (120 items) is cheaper.
SELECT COUNT(*) AS n FROM order_items i JOIN products p ON p.product_id = i.product_id
