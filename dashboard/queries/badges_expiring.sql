-- Purpose: awards held by staff on the latest roster month that are valid at the as-of date and
--          expire within the next 90 days (renewal planning), per badge (finer cells would mostly
--          fall under the suppression threshold). The staff and their awards come precomputed
--          from mart_badges_current_award (etl/sql/123_mart_badges_current_award.sql, sorted by
--          expiry, so only the window's row groups are read), which holds the latest roster month
--          only: an $as_of outside that month raises an error instead of answering with the wrong
--          people.
-- Grain: one row per badge_code.
-- Parameters: $as_of (DATE within the latest roster month; NULL = its last day), $gov_level, $agencies
--   (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"as_of": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH d AS (
    SELECT CASE WHEN l.latest IS NULL OR date_trunc('month', l.as_of) = l.latest THEN l.as_of
                ELSE error('badges_expiring: $as_of must lie in the latest roster month') END AS as_of
    FROM (
        SELECT coalesce(CAST($as_of AS DATE), (SELECT last_day(max(month)) FROM roster_month)) AS as_of,
               (SELECT max(month) FROM roster_month) AS latest
    ) AS l
)
SELECT a.badge_code, a.kind, count(*) AS n,
       min(a.valid_until) AS first_expiry, max(a.valid_until) AS last_expiry, min(d.as_of) AS as_of
FROM mart_badges_current_award AS a
CROSS JOIN d
WHERE a.valid_until > d.as_of
  AND a.valid_until <= d.as_of + INTERVAL 90 DAY
  AND a.awarded_on <= d.as_of
  AND (a.revoked_on IS NULL OR a.revoked_on > d.as_of)
  AND ($gov_level IS NULL OR a.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], a.agency_code))
  AND ($tier IS NULL OR a.tier = $tier)
  AND ($personnel_type IS NULL OR a.personnel_type = $personnel_type)
GROUP BY a.badge_code, a.kind
ORDER BY n DESC, a.badge_code;
