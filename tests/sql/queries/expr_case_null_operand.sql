SELECT CASE NULL WHEN NULL THEN 'matched' ELSE 'no match' END AS simple_null,
       CASE WHEN NULL THEN 'true' ELSE 'not true' END AS searched_null
