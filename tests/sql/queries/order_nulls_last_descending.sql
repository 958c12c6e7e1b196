SELECT order_id, coupon_code FROM orders WHERE customer_id IN ('C0002', 'C0003', 'C0004', 'C0005') ORDER BY coupon_code DESC, order_id
