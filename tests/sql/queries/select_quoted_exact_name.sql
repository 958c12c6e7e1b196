SELECT "name", "tier" FROM "customers" WHERE "customer_id" = 'C0003'
