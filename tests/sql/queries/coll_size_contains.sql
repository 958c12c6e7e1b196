SELECT product_id, SIZE(tags) AS n_tags, CARDINALITY(ratings) AS n_ratings, CONTAINS(tags, 'sale') AS on_sale,
       CONTAINS(ratings, 5) AS has_five, SIZE(attributes) AS n_attrs, SIZE(name) AS name_chars
FROM products WHERE product_id <= 'P006' ORDER BY product_id
