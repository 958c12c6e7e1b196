SELECT COUNT(*) AS no_ratings, COUNT(SIZE(ratings)) AS sized FROM products WHERE ratings IS NULL
