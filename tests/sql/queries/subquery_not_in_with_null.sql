-- NOT IN over a list holding NULL is never true.
SELECT COUNT(*) AS n FROM orders WHERE coupon_code NOT IN (SELECT coupon_code FROM orders WHERE customer_id = 'C0002')
