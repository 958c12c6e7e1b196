-- ORDER BY the sort key DESC with LIMIT: ScanIndexForward false and an early stop.
SELECT order_id, total FROM orders WHERE customer_id = 'C0004' ORDER BY order_id DESC LIMIT 2
