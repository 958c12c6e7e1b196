SELECT p.category, COUNT(*) AS lines FROM order_items i JOIN products p ON p.category = i.product_id GROUP BY p.category
