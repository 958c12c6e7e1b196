-- by_tier does not project email: the rest is fetched by key (or another path is chosen).
SELECT customer_id, email FROM customers WHERE tier = 'gold' AND signup_date >= '2025-12-01'
