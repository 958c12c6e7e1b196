SELECT order_id, total,
       CASE WHEN total >= 500 THEN 'large' WHEN total >= 100 THEN 'medium' ELSE 'small' END AS size,
       CASE WHEN coupon_code IS NOT NULL THEN coupon_code END AS coupon
FROM orders WHERE customer_id = 'C0006' ORDER BY order_id
