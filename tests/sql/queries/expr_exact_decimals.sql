-- Exact decimals: no binary floating-point artefacts; scale is kept.
SELECT 0.1 + 0.2 AS sum, 0.1 + 0.2 = 0.3 AS exact, 1.50 + 1 AS keeps_scale, 1.10 * 3 AS times,
       10 / 4 AS quarter, 1.00 / 3 AS third, 2.675 * 100 AS scaled
