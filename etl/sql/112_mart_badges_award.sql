-- Purpose: every award with its badge class and the holder's roster attributes at the award date
--          (the stretch covering that date; the person's first stretch when the award predates
--          it), so monthly issued/revoked/expired counts are a plain GROUP BY.
-- Grain: one row per award_id (awards of people absent from the roster are left out).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_award AS
WITH firsts AS (
    SELECT staff_key, min(valid_from) AS first_from FROM staff_history GROUP BY staff_key
),
aw AS (
    SELECT a.award_id, a.staff_key, a.badge_code, a.awarded_on, a.valid_until, a.revoked_on,
           greatest(a.awarded_on, f.first_from) AS lookup_date
    FROM badge_award AS a
    JOIN firsts AS f ON f.staff_key = a.staff_key
)
SELECT aw.award_id, aw.staff_key, aw.badge_code, bc.kind, coalesce(bc.route, 'none') AS route, bc.level,
       aw.awarded_on, aw.valid_until, aw.revoked_on,
       h.agency_code, h.gov_level, h.tier, h.personnel_type
FROM aw
ASOF JOIN staff_history AS h ON h.staff_key = aw.staff_key AND aw.lookup_date >= h.valid_from
JOIN badge_class AS bc ON bc.badge_code = aw.badge_code
ORDER BY aw.awarded_on, aw.award_id;
