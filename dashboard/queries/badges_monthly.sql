-- Purpose: monthly badge/certification events: awards issued, revoked and expired, attributed to
--          the holder's roster stretch at the award date (or their first stretch when the award
--          predates it). Expiries count only up to the data's as-of date (last roster month end).
-- Grain: one row per month x event (issued | revoked | expired).
-- Parameters: $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[];
--   NULL = all), $tier, $personnel_type.
-- params: {"kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH as_of AS (
    SELECT last_day(max(month)) AS d FROM roster_month
),
firsts AS (
    SELECT staff_key, min(valid_from) AS first_from FROM staff_history GROUP BY staff_key
),
aw AS (
    SELECT a.award_id, a.staff_key, a.awarded_on, a.valid_until, a.revoked_on,
           greatest(a.awarded_on, f.first_from) AS lookup_date
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    JOIN firsts AS f ON f.staff_key = a.staff_key
    WHERE $kind IS NULL OR bc.kind = $kind
),
attr AS (
    SELECT aw.*, h.agency_code, h.gov_level, h.tier, h.personnel_type
    FROM aw
    ASOF JOIN staff_history AS h ON h.staff_key = aw.staff_key AND aw.lookup_date >= h.valid_from
    WHERE ($gov_level IS NULL OR h.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], h.agency_code))
      AND ($tier IS NULL OR h.tier = $tier)
      AND ($personnel_type IS NULL OR h.personnel_type = $personnel_type)
),
events AS (
    SELECT date_trunc('month', awarded_on) AS month, 'issued' AS event FROM attr
    UNION ALL
    SELECT date_trunc('month', revoked_on), 'revoked' FROM attr, as_of
    WHERE revoked_on IS NOT NULL AND revoked_on <= as_of.d
    UNION ALL
    SELECT date_trunc('month', valid_until), 'expired' FROM attr, as_of
    WHERE valid_until IS NOT NULL AND valid_until <= as_of.d
      AND (revoked_on IS NULL OR revoked_on > valid_until)
)
SELECT CAST(month AS DATE) AS month, event, count(*) AS n
FROM events
GROUP BY month, event
ORDER BY month, event;
