UPDATE orders SET status = 'cancelled' WHERE customer_id = 'C0001'
