-- format: objects
SELECT product_id, price, in_stock FROM products WHERE product_id IN ('P001', 'P002') ORDER BY product_id
