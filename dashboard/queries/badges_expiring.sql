-- Purpose: awards held by staff on the latest roster month that are valid at the as-of date and
--          expire within the next 90 days (renewal planning), per badge (finer cells would mostly
--          fall under the suppression threshold). The staff and their awards come precomputed
--          from mart_badges_current_staff (etl/sql/120_mart_badges_current_staff.sql), which holds the latest
--          roster month only: an $as_of outside that month raises an error instead of answering
--          with the wrong people.
-- Grain: one row per badge_code.
-- Parameters: $as_of (DATE within the latest roster month; NULL = its last day), $gov_level, $agencies
--   (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"as_of": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH d AS (
    SELECT coalesce(CAST($as_of AS DATE), (SELECT last_day(max(month)) FROM roster_month)) AS as_of,
           (SELECT max(month) FROM roster_month) AS latest
),
held AS (
    SELECT unnest(s.awards) AS a
    FROM mart_badges_current_staff AS s, d
    WHERE (CASE WHEN d.latest IS NULL OR date_trunc('month', d.as_of) = d.latest THEN TRUE
                ELSE error('badges_expiring: $as_of must lie in the latest roster month') END)
      AND ($gov_level IS NULL OR s.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], s.agency_code))
      AND ($tier IS NULL OR s.tier = $tier)
      AND ($personnel_type IS NULL OR s.personnel_type = $personnel_type)
)
SELECT h.a.badge_code AS badge_code, h.a.kind AS kind, count(*) AS n,
       min(h.a.valid_until) AS first_expiry, max(h.a.valid_until) AS last_expiry, min(d.as_of) AS as_of
FROM held AS h
CROSS JOIN d
WHERE h.a.awarded_on <= d.as_of
  AND (h.a.revoked_on IS NULL OR h.a.revoked_on > d.as_of)
  AND h.a.valid_until > d.as_of
  AND h.a.valid_until <= d.as_of + INTERVAL 90 DAY
GROUP BY h.a.badge_code, h.a.kind
ORDER BY n DESC, badge_code;
