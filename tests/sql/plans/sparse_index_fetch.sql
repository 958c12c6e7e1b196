-- by_coupon is KEYS_ONLY: the total is fetched by key.
SELECT order_id, total FROM orders WHERE coupon_code = 'WELCOME10' AND customer_id < 'C0050' ORDER BY order_id
