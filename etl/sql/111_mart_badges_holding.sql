-- Purpose: who holds which valid award at each roster month's last day (for coverage by route or
--          badge, and badge supply per competency), with the holder's attributes of that month.
--          Valid as in 110_mart_badges_coverage.sql.
-- Grain: one row per month x staff_key x badge_code (holders only).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_holding AS
SELECT DISTINCT sm.month, sm.staff_key, a.badge_code, bc.kind, coalesce(bc.route, 'none') AS route,
       sm.agency_code, sm.gov_level, sm.tier, sm.personnel_type
FROM staff_month AS sm
JOIN badge_award AS a ON a.staff_key = sm.staff_key
JOIN badge_class AS bc ON bc.badge_code = a.badge_code
WHERE a.awarded_on <= last_day(sm.month)
  AND (a.revoked_on IS NULL OR a.revoked_on > last_day(sm.month))
  AND (a.valid_until IS NULL OR a.valid_until >= last_day(sm.month))
ORDER BY sm.month, a.badge_code, sm.staff_key;
