-- Purpose: coverage by AI talent route and by badge for /badges: per roster month, person attributes
--          of that month and route (or badge), how many staff hold at least one valid award of it on
--          the month's last day, for any kind, MODA badges only and certifications only (from
--          mart_badges_holding; valid as in 110_mart_badges_coverage.sql; a certification's route
--          is 'none'). Each person sits in exactly one cell per month, so sums over any set of cells
--          are exact distinct-holder counts.
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type x group_by ('route' |
--        'badge') x group_code (route code or badge_code), cells with at least one holder only.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_coverage_badge AS
WITH by_route AS (
    SELECT h.month, h.staff_key, h.agency_code, h.gov_level, h.tier, h.personnel_type, r.route_code,
           bool_or(h.kind = 'badge') AS holds_badge,
           bool_or(h.kind = 'certification') AS holds_cert
    FROM mart_badges_holding AS h
    CROSS JOIN unnest(string_split(h.route, '|')) AS r(route_code)
    GROUP BY h.month, h.staff_key, h.agency_code, h.gov_level, h.tier, h.personnel_type, r.route_code
)
SELECT month, agency_code, gov_level, tier, personnel_type, 'route' AS group_by, route_code AS group_code,
       count(*) AS holders_any,
       count(*) FILTER (WHERE holds_badge) AS holders_badge,
       count(*) FILTER (WHERE holds_cert) AS holders_cert
FROM by_route
GROUP BY month, agency_code, gov_level, tier, personnel_type, route_code
UNION ALL
-- mart_badges_holding has one row per month x person x badge: a plain count is distinct
SELECT month, agency_code, gov_level, tier, personnel_type, 'badge', badge_code,
       count(*),
       count(*) FILTER (WHERE kind = 'badge'),
       count(*) FILTER (WHERE kind = 'certification')
FROM mart_badges_holding
GROUP BY month, agency_code, gov_level, tier, personnel_type, badge_code
ORDER BY ALL;
