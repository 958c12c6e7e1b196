-- Read amplification: a Query on the partition key reads exactly the partition's items.
SELECT order_id FROM orders WHERE customer_id = 'C0029' AND total > 0
