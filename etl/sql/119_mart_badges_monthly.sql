-- Purpose: monthly badge/certification events for /badges and /summary: awards issued, revoked and
--          expired per month, kind and the holder's attributes at the award date (from
--          mart_badges_award). Expiries count only up to the data's as-of date (last roster month's
--          last day, fixed by the build) and only when the award was not revoked before it
--          expired; revocations only up to the as-of date. Same rules as the former inline query
--          of dashboard/queries/badges_monthly.sql, so sums over any set of cells are exact counts.
-- Grain: one row per month x event ('issued' | 'revoked' | 'expired') x kind x agency_code x
--        gov_level x tier x personnel_type (cells with at least one event only).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_monthly AS
WITH as_of AS (
    SELECT last_day(max(month)) AS d FROM roster_month
),
events AS (
    SELECT date_trunc('month', a.awarded_on) AS month, 'issued' AS event,
           a.kind, a.agency_code, a.gov_level, a.tier, a.personnel_type
    FROM mart_badges_award AS a
    UNION ALL
    SELECT date_trunc('month', a.revoked_on), 'revoked',
           a.kind, a.agency_code, a.gov_level, a.tier, a.personnel_type
    FROM mart_badges_award AS a, as_of
    WHERE a.revoked_on IS NOT NULL AND a.revoked_on <= as_of.d
    UNION ALL
    SELECT date_trunc('month', a.valid_until), 'expired',
           a.kind, a.agency_code, a.gov_level, a.tier, a.personnel_type
    FROM mart_badges_award AS a, as_of
    WHERE a.valid_until IS NOT NULL AND a.valid_until <= as_of.d
      AND (a.revoked_on IS NULL OR a.revoked_on > a.valid_until)
)
SELECT CAST(month AS DATE) AS month, event, kind, agency_code, gov_level, tier, personnel_type,
       count(*) AS n
FROM events
GROUP BY ALL
ORDER BY ALL;
