SELECT * FROM orders WHERE coupon_code IS NOT MISSING
