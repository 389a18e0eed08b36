-- Purpose: monthly badge/certification events: awards issued, revoked and expired, attributed to
--          the holder's roster stretch at the award date (mart etl/sql/112_mart_badges_award.sql).
--          Expiries count only up to the data's as-of date (last roster month end) and only when
--          the award was not revoked before it expired. The cells are precomputed per month,
--          event, kind and holder attributes in mart_badges_monthly
--          (etl/sql/119_mart_badges_monthly.sql); this query only filters and sums.
-- Grain: one row per month x event (issued | revoked | expired).
-- Parameters: $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[];
--   NULL = all), $tier, $personnel_type.
-- params: {"kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT e.month, e.event, CAST(sum(e.n) AS BIGINT) AS n
FROM mart_badges_monthly AS e
WHERE ($kind IS NULL OR e.kind = $kind)
  AND ($gov_level IS NULL OR e.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], e.agency_code))
  AND ($tier IS NULL OR e.tier = $tier)
  AND ($personnel_type IS NULL OR e.personnel_type = $personnel_type)
GROUP BY e.month, e.event
ORDER BY e.month, e.event;
