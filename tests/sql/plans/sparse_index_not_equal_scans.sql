SELECT COUNT(*) AS n FROM orders WHERE coupon_code <> 'VIP20' OR coupon_code IS NULL
