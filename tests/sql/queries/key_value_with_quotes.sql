SELECT COUNT(*) AS n FROM customers WHERE customer_id = 'C0001'' OR ''1''=''1'
