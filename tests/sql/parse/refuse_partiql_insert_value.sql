INSERT INTO "orders" VALUE {'customer_id': 'C1'}
