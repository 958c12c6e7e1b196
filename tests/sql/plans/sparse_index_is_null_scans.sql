-- IS NULL wants the items by_coupon lacks: a Scan.
SELECT COUNT(*) AS n FROM orders WHERE coupon_code IS NULL
