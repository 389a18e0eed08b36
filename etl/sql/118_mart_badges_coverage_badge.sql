-- Purpose: coverage by AI talent route and by badge for /badges: per roster month, person attributes
--          of that month and route (or badge), how many staff hold at least one valid award of it on
--          the month's last day, for any kind, MODA badges only and certifications only. Valid as in
--          110_mart_badges_coverage.sql (awarded by then, not revoked by then, valid_until NULL or on
--          or after that day); a certification's route is 'none'. Each person sits in exactly one
--          cell per month, so sums over any set of cells are exact distinct-holder counts.
--          Cheap at the national scale: no person-month expansion. An award is valid at the end of
--          the months [from_m, to_m); a person's spans per group are merged into disjoint islands,
--          cut by their roster stretches and counted with +1/-1 steps per cell that a running sum
--          turns into monthly counts (as 117_mart_badges_funnel.sql).
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type x group_by ('route' |
--        'badge') x group_code (route code or badge_code), cells with at least one holder only.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_coverage_badge AS
WITH spans AS (
    SELECT a.staff_key, a.badge_code, bc.kind, coalesce(bc.route, 'none') AS route,
           CAST(date_trunc('month', a.awarded_on) AS DATE) AS from_m,
           least(coalesce(CAST(date_trunc('month', a.revoked_on) AS DATE), DATE '9999-12-01'),
                 coalesce(CAST(date_trunc('month', a.valid_until + INTERVAL 1 DAY) AS DATE), DATE '9999-12-01')) AS to_m
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
),
items AS (
    -- distinct, so the island numbering below has no ties in its order
    SELECT DISTINCT s.staff_key, 'route' AS group_by, r.route_code AS group_code, k.kind_key, s.from_m, s.to_m
    FROM spans AS s
    CROSS JOIN unnest(string_split(s.route, '|')) AS r(route_code)
    JOIN (VALUES ('any'), ('badge'), ('certification')) AS k(kind_key)
      ON k.kind_key = 'any' OR k.kind_key = s.kind
    WHERE s.from_m < s.to_m
    UNION
    SELECT s.staff_key, 'badge', s.badge_code, 'any', s.from_m, s.to_m
    FROM spans AS s
    WHERE s.from_m < s.to_m
),
flagged AS (
    SELECT *,
           CASE WHEN from_m <= max(to_m) OVER (
                    PARTITION BY staff_key, group_by, group_code, kind_key ORDER BY from_m, to_m
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM items
),
numbered AS (
    SELECT *, sum(starts) OVER (
               PARTITION BY staff_key, group_by, group_code, kind_key ORDER BY from_m, to_m
               ROWS UNBOUNDED PRECEDING) AS island
    FROM flagged
),
islands AS (
    SELECT staff_key, group_by, group_code, kind_key, min(from_m) AS from_m, max(to_m) AS to_m
    FROM numbered
    GROUP BY staff_key, group_by, group_code, kind_key, island
),
pieces AS (
    SELECT h.agency_code, h.gov_level, h.tier, h.personnel_type, i.group_by, i.group_code, i.kind_key,
           greatest(i.from_m, h.valid_from) AS lo,
           least(i.to_m, coalesce(CAST(h.valid_to + INTERVAL 1 DAY AS DATE), DATE '9999-12-01')) AS hi
    FROM islands AS i
    JOIN staff_history AS h ON h.staff_key = i.staff_key
),
steps AS (
    SELECT agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key,
           CAST(date_trunc('month', lo - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, 1 AS d
    FROM pieces WHERE lo < hi
    UNION ALL
    SELECT agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key,
           CAST(date_trunc('month', hi - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, -1 AS d
    FROM pieces WHERE lo < hi AND hi < DATE '9999-12-01'
),
stepped AS (
    SELECT agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key, step_on, sum(d) AS d
    FROM steps
    GROUP BY agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key, step_on
),
running AS (
    SELECT agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key, step_on,
           sum(d) OVER w AS n,
           lead(step_on) OVER w AS next_on
    FROM stepped
    WINDOW w AS (PARTITION BY agency_code, gov_level, tier, personnel_type, group_by, group_code, kind_key
                 ORDER BY step_on)
),
counts AS (
    SELECT m.month, r.agency_code, r.gov_level, r.tier, r.personnel_type, r.group_by, r.group_code,
           r.kind_key, r.n
    FROM running AS r
    JOIN roster_month AS m ON m.month >= r.step_on AND (r.next_on IS NULL OR m.month < r.next_on)
    WHERE r.n > 0
)
SELECT c.month, c.agency_code, c.gov_level, c.tier, c.personnel_type, c.group_by, c.group_code,
       CAST(sum(c.n) FILTER (WHERE c.kind_key = 'any') AS BIGINT) AS holders_any,
       CAST(CASE WHEN c.group_by = 'badge'
                 THEN coalesce(sum(c.n) FILTER (WHERE c.kind_key = 'any' AND bc.kind = 'badge'), 0)
                 ELSE coalesce(sum(c.n) FILTER (WHERE c.kind_key = 'badge'), 0) END AS BIGINT) AS holders_badge,
       CAST(CASE WHEN c.group_by = 'badge'
                 THEN coalesce(sum(c.n) FILTER (WHERE c.kind_key = 'any' AND bc.kind = 'certification'), 0)
                 ELSE coalesce(sum(c.n) FILTER (WHERE c.kind_key = 'certification'), 0) END AS BIGINT) AS holders_cert
FROM counts AS c
LEFT JOIN badge_class AS bc ON c.group_by = 'badge' AND bc.badge_code = c.group_code
GROUP BY c.month, c.agency_code, c.gov_level, c.tier, c.personnel_type, c.group_by, c.group_code
ORDER BY ALL;
