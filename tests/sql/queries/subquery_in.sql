SELECT customer_id, name FROM customers
WHERE customer_id IN (SELECT customer_id FROM orders WHERE coupon_code = 'VIP20' AND total > 1000)
ORDER BY customer_id
