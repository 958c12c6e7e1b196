-- With ORDER BY, the frame ends at the current row's last peer (RANGE).
SELECT product_id, in_stock, COUNT(*) OVER (ORDER BY in_stock) AS running
FROM products WHERE category = 'garden' ORDER BY product_id
