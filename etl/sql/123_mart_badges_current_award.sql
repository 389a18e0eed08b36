-- Purpose: the awards of the people on the latest roster month, one row each with the holder's
--          attributes of that month (mart_badges_current_staff unnested), sorted by expiry date so
--          the renewal table (dashboard/queries/badges_expiring.sql) reads only the row groups of
--          its 90-day window. No restricted column.
-- Grain: one row per award of a person on the latest roster month (awards of a known badge class).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_current_award AS
WITH flat AS (
    SELECT s.agency_code, s.gov_level, s.tier, s.personnel_type, s.staff_key, unnest(s.awards) AS a
    FROM mart_badges_current_staff AS s
)
SELECT agency_code, gov_level, tier, personnel_type, staff_key,
       a.badge_code AS badge_code, a.kind AS kind, a.awarded_on AS awarded_on,
       a.valid_until AS valid_until, a.revoked_on AS revoked_on
FROM flat
ORDER BY valid_until NULLS LAST, staff_key, badge_code, awarded_on, revoked_on NULLS LAST;
