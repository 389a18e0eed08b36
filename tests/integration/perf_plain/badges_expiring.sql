-- Purpose: awards held by staff on the latest roster month that are valid at the as-of date and
--          expire within the next 90 days (renewal planning), per badge (finer cells would mostly
--          fall under the suppression threshold).
-- Grain: one row per badge_code.
-- Parameters: $as_of (DATE; NULL = last day of the latest roster month), $gov_level, $agencies
--   (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"as_of": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH d AS (
    SELECT coalesce(CAST($as_of AS DATE), (SELECT last_day(max(month)) FROM roster_month)) AS as_of
),
staff AS (
    SELECT sm.staff_key
    FROM staff_history AS sm, d  -- the stretches covering the as-of month (as staff_month)
    WHERE sm.valid_from <= date_trunc('month', d.as_of)
      AND (sm.valid_to IS NULL OR sm.valid_to >= date_trunc('month', d.as_of))
      AND ($gov_level IS NULL OR sm.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], sm.agency_code))
      AND ($tier IS NULL OR sm.tier = $tier)
      AND ($personnel_type IS NULL OR sm.personnel_type = $personnel_type)
)
SELECT a.badge_code, bc.kind, count(*) AS n,
       min(a.valid_until) AS first_expiry, max(a.valid_until) AS last_expiry, min(d.as_of) AS as_of
FROM badge_award AS a
JOIN badge_class AS bc ON bc.badge_code = a.badge_code
JOIN staff AS s ON s.staff_key = a.staff_key
CROSS JOIN d
WHERE a.awarded_on <= d.as_of
  AND (a.revoked_on IS NULL OR a.revoked_on > d.as_of)
  AND a.valid_until > d.as_of
  AND a.valid_until <= d.as_of + INTERVAL 90 DAY
GROUP BY a.badge_code, bc.kind
ORDER BY n DESC, a.badge_code;
