SELECT coupon_code FROM orders WHERE customer_id = 'C0002' UNION SELECT NULL ORDER BY 1
