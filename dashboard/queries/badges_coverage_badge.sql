-- Purpose: coverage by AI talent route or by badge in one roster month: staff (same filters) who
--          hold at least one valid award of that route/badge at the month's last day, and the
--          month's headcount as the denominator, summed from the precomputed cells of
--          marts 110_mart_badges_coverage and 118_mart_badges_coverage_badge.
-- Grain: one row per group_code (route code, or badge_code).
-- Parameters: $group_by ('route' | 'badge'), $month (DATE, first of month; NULL = latest roster
--   month), $kind ('badge' | 'certification' | NULL), $gov_level, $agencies, $tier, $personnel_type.
-- params: {"group_by": "route", "month": null, "kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH m AS (
    SELECT coalesce(CAST($month AS DATE), (SELECT max(month) FROM roster_month)) AS month
),
heads AS (
    SELECT coalesce(sum(c.headcount), 0) AS headcount
    FROM mart_badges_coverage AS c, m
    WHERE c.month = m.month
      AND ($gov_level IS NULL OR c.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
      AND ($tier IS NULL OR c.tier = $tier)
      AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
),
held AS (
    SELECT b.group_code,
           CAST(sum(CASE
                        WHEN $kind = 'badge' THEN b.holders_badge
                        WHEN $kind = 'certification' THEN b.holders_cert
                        ELSE b.holders_any
                    END) AS BIGINT) AS holders
    FROM mart_badges_coverage_badge AS b, m
    WHERE b.month = m.month
      AND b.group_by = CASE WHEN $group_by = 'badge' THEN 'badge' ELSE 'route' END
      AND ($gov_level IS NULL OR b.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], b.agency_code))
      AND ($tier IS NULL OR b.tier = $tier)
      AND ($personnel_type IS NULL OR b.personnel_type = $personnel_type)
    GROUP BY b.group_code
)
SELECT (SELECT month FROM m) AS month, e.group_code, h.headcount, e.holders
FROM held AS e
CROSS JOIN heads AS h
WHERE e.holders > 0
ORDER BY e.group_code;
