SELECT * FROM orders WHERE status IN <<'shipped', 'pending'>>
