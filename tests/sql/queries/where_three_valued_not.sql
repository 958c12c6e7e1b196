-- NOT (phone = x) is unknown for a NULL phone: those rows are left out.
SELECT COUNT(*) AS n FROM customers WHERE NOT (phone = '+1-555-0000')
