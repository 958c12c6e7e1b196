SELECT COUNT(*) AS opted_in FROM customers WHERE marketing_opt_in
