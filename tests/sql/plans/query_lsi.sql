-- The LSI by_date answers a range on order_date within one customer.
SELECT order_id, order_date FROM orders WHERE customer_id = 'C0010' AND order_date >= '2025-06-01'
