WITH gold AS (SELECT customer_id FROM customers WHERE tier = 'gold')
SELECT COUNT(*) AS gold_orders FROM orders o JOIN gold g ON g.customer_id = o.customer_id
