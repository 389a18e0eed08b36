-- Purpose: learning-path funnel cells for /badges: per roster month, person attributes of that
--          month, AI talent route and level (intro / advanced / practice), how many staff have
--          earned, and not had revoked, at least one MODA badge of that route and level by the
--          month's last day (expired badges still count: the step was completed). Same rules as
--          the former inline query of dashboard/queries/badges_funnel.sql: an award counts in
--          roster month m when awarded_on <= last_day(m) and (revoked_on IS NULL OR revoked_on >
--          last_day(m)), i.e. from the month it was awarded in up to the month before the one it
--          was revoked in. Each person sits in exactly one cell per month (stretches do not
--          overlap), so sums over any set of cells are exact distinct-person counts.
--          Cheap at the national scale: no person-month expansion. Each person's award spans per
--          route and level are merged into disjoint islands, cut by their roster stretches, and
--          counted with +1/-1 steps per cell that a running sum turns into monthly counts.
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type x route_code x level
--        (cells with at least one person only).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_funnel AS
WITH spans AS (
    -- [from_m, to_m): the months an award counts in (to_m = '9999-12-01' when never revoked);
    -- distinct, so the island numbering below has no ties in its order
    SELECT DISTINCT a.staff_key, r.route_code, bc.level,
           CAST(date_trunc('month', a.awarded_on) AS DATE) AS from_m,
           coalesce(CAST(date_trunc('month', a.revoked_on) AS DATE), DATE '9999-12-01') AS to_m
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    CROSS JOIN unnest(string_split(bc.route, '|')) AS r(route_code)
    WHERE bc.kind = 'badge'
      AND bc.level IN ('intro', 'advanced', 'practice')
),
flagged AS (
    SELECT *,
           CASE WHEN from_m <= max(to_m) OVER (
                    PARTITION BY staff_key, route_code, level ORDER BY from_m, to_m
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM spans
    WHERE from_m < to_m  -- revoked in the month it was awarded: never counts
),
numbered AS (
    SELECT *, sum(starts) OVER (
               PARTITION BY staff_key, route_code, level ORDER BY from_m, to_m
               ROWS UNBOUNDED PRECEDING) AS island
    FROM flagged
),
islands AS (
    -- disjoint month spans per person, route and level
    SELECT staff_key, route_code, level, min(from_m) AS from_m, max(to_m) AS to_m
    FROM numbered
    GROUP BY staff_key, route_code, level, island
),
pieces AS (
    -- an island cut by a roster stretch: roster months m with lo <= m < hi count in that cell
    SELECT h.agency_code, h.gov_level, h.tier, h.personnel_type, i.route_code, i.level,
           greatest(i.from_m, h.valid_from) AS lo,
           least(i.to_m, coalesce(CAST(h.valid_to + INTERVAL 1 DAY AS DATE), DATE '9999-12-01')) AS hi
    FROM islands AS i
    JOIN staff_history AS h ON h.staff_key = i.staff_key
),
steps AS (
    -- +1 / -1 at the first month start on or after lo / hi
    SELECT agency_code, gov_level, tier, personnel_type, route_code, level,
           CAST(date_trunc('month', lo - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, 1 AS d
    FROM pieces WHERE lo < hi
    UNION ALL
    SELECT agency_code, gov_level, tier, personnel_type, route_code, level,
           CAST(date_trunc('month', hi - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, -1 AS d
    FROM pieces WHERE lo < hi AND hi < DATE '9999-12-01'
),
stepped AS (
    SELECT agency_code, gov_level, tier, personnel_type, route_code, level, step_on, sum(d) AS d
    FROM steps
    GROUP BY agency_code, gov_level, tier, personnel_type, route_code, level, step_on
),
running AS (
    SELECT agency_code, gov_level, tier, personnel_type, route_code, level, step_on,
           sum(d) OVER w AS n,
           lead(step_on) OVER w AS next_on
    FROM stepped
    WINDOW w AS (PARTITION BY agency_code, gov_level, tier, personnel_type, route_code, level ORDER BY step_on)
)
SELECT m.month, r.agency_code, r.gov_level, r.tier, r.personnel_type, r.route_code, r.level,
       CAST(r.n AS BIGINT) AS n
FROM running AS r
JOIN roster_month AS m ON m.month >= r.step_on AND (r.next_on IS NULL OR m.month < r.next_on)
WHERE r.n > 0
ORDER BY ALL;
