INSERT INTO orders (customer_id) VALUES ('it''s
