-- Purpose: badge coverage cells for the /badges and /summary pages: per roster month and person
--          attributes, the headcount and how many hold at least one valid award (any kind, MODA
--          badge, certification) on the month's last day. Valid = awarded by then, not revoked by
--          then (revoked_on IS NULL OR revoked_on > day), not expired (valid_until IS NULL OR
--          valid_until >= day). Every person counts in exactly one cell per month, so sums over
--          any set of cells are exact headcounts and holder counts.
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_coverage AS
WITH sm AS (
    SELECT month, last_day(month) AS month_end, staff_key, agency_code, gov_level, tier, personnel_type
    FROM staff_month
),
held AS (
    SELECT sm.month, sm.staff_key,
           bool_or(bc.kind = 'badge') AS holds_badge,
           bool_or(bc.kind = 'certification') AS holds_cert
    FROM sm
    JOIN badge_award AS a ON a.staff_key = sm.staff_key
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    WHERE a.awarded_on <= sm.month_end
      AND (a.revoked_on IS NULL OR a.revoked_on > sm.month_end)
      AND (a.valid_until IS NULL OR a.valid_until >= sm.month_end)
    GROUP BY sm.month, sm.staff_key
)
SELECT sm.month, sm.agency_code, sm.gov_level, sm.tier, sm.personnel_type,
       count(*) AS headcount,
       count(h.staff_key) AS holders_any,
       count(*) FILTER (WHERE h.holds_badge) AS holders_badge,
       count(*) FILTER (WHERE h.holds_cert) AS holders_cert
FROM sm
LEFT JOIN held AS h ON h.month = sm.month AND h.staff_key = sm.staff_key
GROUP BY sm.month, sm.agency_code, sm.gov_level, sm.tier, sm.personnel_type
ORDER BY sm.month, sm.agency_code, sm.tier, sm.personnel_type;
