SELECT coupon_code, COUNT(*) AS n FROM orders GROUP BY coupon_code ORDER BY coupon_code
