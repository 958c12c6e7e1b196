SELECT COUNT(*) AS gifts, (SELECT COUNT(*) FROM orders WHERE gift = FALSE) AS not_gifts FROM orders WHERE gift = TRUE
