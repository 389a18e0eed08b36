-- Purpose: monthly badge/certification events: awards issued, revoked and expired, attributed to
--          the holder's roster stretch at the award date (mart etl/sql/112_mart_badges_award.sql).
--          Expiries count only up to the data's as-of date (last roster month end) and only when
--          the award was not revoked before it expired.
-- Grain: one row per month x event (issued | revoked | expired).
-- Parameters: $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[];
--   NULL = all), $tier, $personnel_type.
-- params: {"kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH as_of AS (
    SELECT last_day(max(month)) AS d FROM roster_month
),
attr AS (
    SELECT a.awarded_on, a.valid_until, a.revoked_on
    FROM mart_badges_award AS a
    WHERE ($kind IS NULL OR a.kind = $kind)
      AND ($gov_level IS NULL OR a.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], a.agency_code))
      AND ($tier IS NULL OR a.tier = $tier)
      AND ($personnel_type IS NULL OR a.personnel_type = $personnel_type)
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
