SELECT COUNT(*) AS all_rows, COUNT(phone) AS with_phone, COUNT(DISTINCT tier) AS tiers,
       COUNT(DISTINCT address.city) AS cities, COUNT(tags) AS with_tags
FROM customers
