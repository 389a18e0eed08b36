-- Purpose: badge supply cells for the supply-vs-demand chart (/badges, /summary): per roster month,
--          person attributes of that month and competency, how many staff hold at least one valid
--          award aligned to the competency on the month's last day (valid as in
--          110_mart_badges_coverage.sql). Stretches of one person do not overlap
--          (etl/checks/staff_history_spells.sql), so each person sits in exactly one cell per month
--          and sums over any set of cells are exact distinct-holder counts.
--          Cheap at the national scale: no person-month expansion. An award is valid at the end of
--          the months [from_m, to_m); a person's spans per competency are merged into disjoint
--          islands, cut by their stretches and counted with +1/-1 steps per cell that a running
--          sum turns into monthly counts (as 117_mart_badges_funnel.sql).
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type x competency_code
--        (cells with at least one holder only).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_supply AS
WITH spans AS (
    -- distinct, so the island numbering below has no ties in its order
    SELECT DISTINCT a.staff_key, al.competency_code,
           CAST(date_trunc('month', a.awarded_on) AS DATE) AS from_m,
           least(coalesce(CAST(date_trunc('month', a.revoked_on) AS DATE), DATE '9999-12-01'),
                 coalesce(CAST(date_trunc('month', a.valid_until + INTERVAL 1 DAY) AS DATE),
                          DATE '9999-12-01')) AS to_m
    FROM badge_award AS a
    JOIN badge_alignment AS al ON al.badge_code = a.badge_code
),
flagged AS (
    SELECT *,
           CASE WHEN from_m <= max(to_m) OVER (
                    PARTITION BY staff_key, competency_code ORDER BY from_m, to_m
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM spans
    WHERE from_m < to_m
),
numbered AS (
    SELECT *, sum(starts) OVER (
               PARTITION BY staff_key, competency_code ORDER BY from_m, to_m
               ROWS UNBOUNDED PRECEDING) AS island
    FROM flagged
),
islands AS (
    SELECT staff_key, competency_code, min(from_m) AS from_m, max(to_m) AS to_m
    FROM numbered
    GROUP BY staff_key, competency_code, island
),
pieces AS (
    SELECT h.agency_code, h.gov_level, h.tier, h.personnel_type, i.competency_code,
           greatest(i.from_m, h.valid_from) AS lo,
           least(i.to_m, coalesce(CAST(h.valid_to + INTERVAL 1 DAY AS DATE), DATE '9999-12-01')) AS hi
    FROM islands AS i
    JOIN staff_history AS h ON h.staff_key = i.staff_key
),
steps AS (
    SELECT agency_code, gov_level, tier, personnel_type, competency_code,
           CAST(date_trunc('month', lo - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, 1 AS d
    FROM pieces WHERE lo < hi
    UNION ALL
    SELECT agency_code, gov_level, tier, personnel_type, competency_code,
           CAST(date_trunc('month', hi - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, -1 AS d
    FROM pieces WHERE lo < hi AND hi < DATE '9999-12-01'
),
stepped AS (
    SELECT agency_code, gov_level, tier, personnel_type, competency_code, step_on, sum(d) AS d
    FROM steps
    GROUP BY agency_code, gov_level, tier, personnel_type, competency_code, step_on
),
running AS (
    SELECT agency_code, gov_level, tier, personnel_type, competency_code, step_on,
           sum(d) OVER w AS n,
           lead(step_on) OVER w AS next_on
    FROM stepped
    WINDOW w AS (PARTITION BY agency_code, gov_level, tier, personnel_type, competency_code ORDER BY step_on)
)
SELECT m.month, r.agency_code, r.gov_level, r.tier, r.personnel_type, r.competency_code,
       CAST(r.n AS BIGINT) AS holders
FROM running AS r
JOIN roster_month AS m ON m.month >= r.step_on AND (r.next_on IS NULL OR m.month < r.next_on)
WHERE r.n > 0
ORDER BY ALL;
