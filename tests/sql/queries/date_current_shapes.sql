-- CURRENT_DATE / CURRENT_TIMESTAMP change with the clock: check their shape.
SELECT CURRENT_DATE LIKE '____-__-__' AS date_shape, LENGTH(CURRENT_DATE) AS date_len,
       CURRENT_TIMESTAMP LIKE '____-__-__T__:__:__.___Z' AS ts_shape,
       SUBSTRING(CURRENT_TIMESTAMP, 1, 10) = CURRENT_DATE AS same_day, CURRENT_DATE > '2025-01-01' AS after_2025,
       EXTRACT(YEAR FROM CURRENT_DATE) >= 2026 AS year_ok
