-- Unquoted names match attributes case-insensitively when that is unique.
SELECT CUSTOMER_ID, Name, Address.City FROM customers WHERE Customer_Id = 'C0003'
