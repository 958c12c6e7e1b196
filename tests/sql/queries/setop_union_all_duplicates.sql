-- unordered
SELECT tier FROM customers WHERE customer_id IN ('C0001', 'C0002')
UNION ALL
SELECT tier FROM customers WHERE customer_id IN ('C0001', 'C0003')
