SELECT status, COUNT(*) AS n FROM orders WHERE customer_id = 'C9999' GROUP BY status
