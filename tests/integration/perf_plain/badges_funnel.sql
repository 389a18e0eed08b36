-- Purpose: learning-path progress per AI talent route (intro -> advanced -> practice): staff on the
--          roster in the month (same filters) who have earned, and not had revoked, at least one
--          MODA badge of that route at each level by the month's last day (expired badges still
--          count: the step was completed).
-- Grain: one row per route_code x level.
-- Parameters: $month (DATE; NULL = latest roster month), $gov_level, $agencies (VARCHAR[]; NULL =
--   all), $tier, $personnel_type.
-- params: {"month": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH m AS (
    SELECT coalesce(CAST($month AS DATE), (SELECT max(month) FROM roster_month)) AS month
),
staff AS (
    SELECT sm.staff_key
    FROM staff_history AS sm, m  -- the stretches covering the month (as staff_month)
    WHERE sm.valid_from <= m.month AND (sm.valid_to IS NULL OR sm.valid_to >= m.month)
      AND ($gov_level IS NULL OR sm.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], sm.agency_code))
      AND ($tier IS NULL OR sm.tier = $tier)
      AND ($personnel_type IS NULL OR sm.personnel_type = $personnel_type)
),
earned AS (
    SELECT DISTINCT a.staff_key, r.route_code, bc.level
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    JOIN staff AS s ON s.staff_key = a.staff_key
    CROSS JOIN m
    CROSS JOIN unnest(string_split(bc.route, '|')) AS r(route_code)
    WHERE bc.kind = 'badge'
      AND bc.level IN ('intro', 'advanced', 'practice')
      AND a.awarded_on <= last_day(m.month)
      AND (a.revoked_on IS NULL OR a.revoked_on > last_day(m.month))
)
SELECT route_code, level, count(DISTINCT staff_key) AS n,
       (SELECT count(*) FROM staff) AS headcount
FROM earned
GROUP BY route_code, level
ORDER BY route_code, CASE level WHEN 'intro' THEN 1 WHEN 'advanced' THEN 2 ELSE 3 END;
