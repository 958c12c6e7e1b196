SELECT 1 AS one, 'two' AS two, NULL AS nothing, TRUE AS yes, FALSE AS no, 1.50 AS dec, -3 AS neg, 'it''s' AS quoted
