SELECT COUNT(*) AS empty_options FROM order_items WHERE SIZE(options) = 0
