SELECT customer_id, order_id, total FROM orders WHERE coupon_code = 'VIP20' AND total > 700 ORDER BY order_id
