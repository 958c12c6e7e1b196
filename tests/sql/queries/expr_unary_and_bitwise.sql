SELECT 12 & 10 AS band, 12 | 10 AS bor, 12 ^ 10 AS bxor, ~12 AS bnot, 1 << 10 AS shl, 1024 >> 3 AS shr, -(3) AS neg
