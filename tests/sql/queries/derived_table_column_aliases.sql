SELECT x.id, x.cnt FROM (SELECT customer_id, item_count FROM orders WHERE customer_id = 'C0002') AS x (id, cnt) ORDER BY x.id, x.cnt
