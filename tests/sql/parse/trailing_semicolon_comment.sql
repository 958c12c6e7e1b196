SELECT 1; -- just a comment
