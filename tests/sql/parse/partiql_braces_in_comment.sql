SELECT * FROM orders WHERE status = 'x' -- a comment with {braces} is fine
