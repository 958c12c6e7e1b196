-- Equality on coupon_code implies the attribute: the sparse by_coupon index is safe.
SELECT order_id FROM orders WHERE coupon_code = 'VIP20' ORDER BY order_id
