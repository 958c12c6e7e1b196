SELECT SUM(CASE status WHEN 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
       COUNT(CASE WHEN gift THEN 1 END) AS gifts,
       SUM(CASE WHEN coupon_code IS NOT NULL THEN total ELSE 0 END) AS with_coupon
FROM orders
