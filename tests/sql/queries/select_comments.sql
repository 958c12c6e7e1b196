/* a block comment
   over two lines */
SELECT name -- the customer's name
FROM customers /* inline */ WHERE customer_id = 'C0010';
