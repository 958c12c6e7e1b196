-- Quotes, '#' and ':' in a value travel only as ExpressionAttributeValues.
SELECT order_id FROM orders WHERE customer_id = 'C0004' AND notes = 'It''s #1: "quoted" :v0 #n0 OR 1=1'
