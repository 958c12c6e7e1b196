SELECT order_id FROM orders WHERE customer_id = 'C0004' AND notes IS NULL AND coupon_code IS NOT NULL
