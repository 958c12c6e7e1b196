SELECT AVG(item_count) AS avg_items, AVG(quantity) AS avg_qty FROM orders o JOIN order_items i ON i.order_id = o.order_id WHERE o.customer_id = 'C0006'
