SELECT p.*, 1 AS one FROM products AS p WHERE p.product_id = 'P001'
