SELECT customer_id,
       name
FROM customers WHERE tier = = 'gold'
