SELECT coupon_code, COUNT(*) AS n FROM orders WHERE coupon_code = 'FREESHIP' OR coupon_code IS NULL GROUP BY coupon_code ORDER BY coupon_code
