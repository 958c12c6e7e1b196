-- max-rows: 2
-- page: 2
-- Page 2 resumes after page 1's last item (ExclusiveStartKey): it reads only its own items.
SELECT order_id, total FROM orders WHERE customer_id = 'C0029'
