SELECT MAX(n) AS busiest FROM (SELECT customer_id, COUNT(*) AS n FROM (SELECT * FROM orders WHERE status = 'delivered') d GROUP BY customer_id) per_customer
