-- Purpose: badge coverage per roster month: headcount (same filters) and how many of them hold at
--          least one valid award at the month's last day (not revoked by then, not expired), read
--          from the precomputed cells of etl/sql/110_mart_badges_coverage.sql.
-- Grain: one row per month x group_code (a person attribute of that month).
-- Parameters: $group_by ('total' | 'gov_level' | 'agency' | 'tier' | 'personnel_type'),
--   $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[]; NULL = all),
--   $tier, $personnel_type.
-- params: {"group_by": "total", "kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT CAST(c.month AS DATE) AS month,
       CASE $group_by
           WHEN 'gov_level' THEN c.gov_level
           WHEN 'agency' THEN c.agency_code
           WHEN 'tier' THEN c.tier
           WHEN 'personnel_type' THEN c.personnel_type
           ELSE 'all'
       END AS group_code,
       sum(c.headcount) AS headcount,
       sum(CASE
               WHEN $kind = 'badge' THEN c.holders_badge
               WHEN $kind = 'certification' THEN c.holders_cert
               ELSE c.holders_any
           END) AS holders
FROM mart_badges_coverage AS c
WHERE ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
  AND ($tier IS NULL OR c.tier = $tier)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
GROUP BY 1, 2
ORDER BY 1, 2;
