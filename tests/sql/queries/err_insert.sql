INSERT INTO customers (customer_id) VALUES ('C9999')
