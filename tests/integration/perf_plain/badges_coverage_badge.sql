-- Purpose: coverage by AI talent route or by badge in one roster month: staff (same filters) who
--          hold at least one valid award of that route/badge at the month's last day, and the
--          month's headcount as the denominator (mart 110_mart_badges_coverage;
--          holdings computed inline, as the removed mart 111 did).
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
    -- the former mart_badges_holding (111), for the one month: valid awards at its last day
    SELECT DISTINCT sm.staff_key, a.badge_code, coalesce(bc.route, 'none') AS route
    FROM staff_month AS sm
    JOIN m ON sm.month = m.month
    JOIN badge_award AS a ON a.staff_key = sm.staff_key
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    WHERE a.awarded_on <= last_day(sm.month)
      AND (a.revoked_on IS NULL OR a.revoked_on > last_day(sm.month))
      AND (a.valid_until IS NULL OR a.valid_until >= last_day(sm.month))
      AND ($kind IS NULL OR bc.kind = $kind)
      AND ($gov_level IS NULL OR sm.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], sm.agency_code))
      AND ($tier IS NULL OR sm.tier = $tier)
      AND ($personnel_type IS NULL OR sm.personnel_type = $personnel_type)
),
expanded AS (
    SELECT v.staff_key,
           CASE WHEN $group_by = 'badge' THEN v.badge_code ELSE r.route_code END AS group_code
    FROM held AS v
    CROSS JOIN unnest(string_split(v.route, '|')) AS r(route_code)
)
SELECT (SELECT month FROM m) AS month, e.group_code, h.headcount,
       count(DISTINCT e.staff_key) AS holders
FROM expanded AS e
CROSS JOIN heads AS h
GROUP BY e.group_code, h.headcount
ORDER BY e.group_code;
