SELECT DATE_TRUNC('month', '2024-03-15T10:20:30Z') AS month_ts, DATE_TRUNC('year', '2024-03-15') AS year_date,
       DATE_TRUNC('day', '2024-03-15T10:20:30Z') AS day_ts, DATE_TRUNC('hour', '2024-03-15T10:20:30Z') AS hour_ts,
       DATE_TRUNC('quarter', '2024-08-15') AS quarter_date, DATE_TRUNC('week', '2024-03-15') AS week_date
