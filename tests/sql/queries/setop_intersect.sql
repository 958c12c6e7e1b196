SELECT customer_id FROM orders WHERE coupon_code = 'VIP20'
INTERSECT
SELECT customer_id FROM customers WHERE tier = 'gold'
ORDER BY customer_id
