SELECT status, COUNT(*) AS n FROM orders WHERE status NOT IN ('delivered', 'shipped') GROUP BY status ORDER BY status
