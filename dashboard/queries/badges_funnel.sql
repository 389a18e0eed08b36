-- Purpose: learning-path progress per AI talent route (intro -> advanced -> practice): staff on the
--          roster in the month (same filters) who have earned, and not had revoked, at least one
--          MODA badge of that route at each level by the month's last day (expired badges still
--          count: the step was completed). Cells are precomputed per roster month in
--          mart_badges_funnel (etl/sql/117_mart_badges_funnel.sql), the headcount in
--          mart_badges_coverage (110); this query only filters and sums.
-- Grain: one row per route_code x level.
-- Parameters: $month (DATE, first of a roster month; NULL = latest roster month), $gov_level, $agencies (VARCHAR[]; NULL =
--   all), $tier, $personnel_type.
-- params: {"month": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH m AS (
    SELECT coalesce(CAST($month AS DATE), (SELECT max(month) FROM roster_month)) AS month
),
heads AS (
    SELECT coalesce(CAST(sum(c.headcount) AS BIGINT), 0) AS headcount
    FROM mart_badges_coverage AS c, m
    WHERE c.month = m.month
      AND ($gov_level IS NULL OR c.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
      AND ($tier IS NULL OR c.tier = $tier)
      AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
)
SELECT f.route_code, f.level, CAST(sum(f.n) AS BIGINT) AS n, h.headcount
FROM mart_badges_funnel AS f
CROSS JOIN m
CROSS JOIN heads AS h
WHERE f.month = m.month
  AND ($gov_level IS NULL OR f.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], f.agency_code))
  AND ($tier IS NULL OR f.tier = $tier)
  AND ($personnel_type IS NULL OR f.personnel_type = $personnel_type)
GROUP BY f.route_code, f.level, h.headcount
ORDER BY f.route_code, CASE f.level WHEN 'intro' THEN 1 WHEN 'advanced' THEN 2 ELSE 3 END;
