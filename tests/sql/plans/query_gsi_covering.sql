-- by_tier projects name: the index answers alone.
SELECT customer_id, name, signup_date FROM customers WHERE tier = 'gold' AND signup_date >= '2025-11-01'
