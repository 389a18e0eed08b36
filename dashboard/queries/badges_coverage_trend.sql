-- Purpose: the coverage trend of the selection and, when $benchmark, of the national benchmark
--          (the same filters without the agency restriction) in one scan of the precomputed
--          cells of etl/sql/110_mart_badges_coverage.sql: per roster month the headcount and how
--          many of them hold at least one valid award at the month's last day. Equals
--          badges_coverage with $group_by = 'total' run once per scope level (tested).
-- Grain: one row per scope_level ('selection' first, then 'national') x month.
-- Parameters: $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[];
--   NULL = all), $tier, $personnel_type, $benchmark (BOOLEAN: add the national rows).
-- params: {"kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null, "benchmark": false}
WITH cells AS (
    SELECT CAST(c.month AS DATE) AS month,
           c.agency_code,
           c.headcount,
           CASE
               WHEN $kind = 'badge' THEN c.holders_badge
               WHEN $kind = 'certification' THEN c.holders_cert
               ELSE c.holders_any
           END AS holders
    FROM mart_badges_coverage AS c
    WHERE ($gov_level IS NULL OR c.gov_level = $gov_level)
      AND ($tier IS NULL OR c.tier = $tier)
      AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
)
SELECT month, 'all' AS group_code, sum(headcount) AS headcount, sum(holders) AS holders,
       'selection' AS scope_level
FROM cells
WHERE ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], agency_code))
GROUP BY month
UNION ALL
SELECT month, 'all' AS group_code, sum(headcount) AS headcount, sum(holders) AS holders,
       'national' AS scope_level
FROM cells
WHERE $benchmark
GROUP BY month
ORDER BY scope_level = 'national', month;
