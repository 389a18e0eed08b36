-- Purpose: badge coverage cells for the /badges and /summary pages: per roster month and person
--          attributes, the headcount and how many hold at least one valid award (any kind, MODA
--          badge, certification) on the month's last day. Valid = awarded by then, not revoked by
--          then (revoked_on IS NULL OR revoked_on > day), not expired (valid_until IS NULL OR
--          valid_until >= day). Every person counts in exactly one cell per month, so sums over
--          any set of cells are exact headcounts and holder counts.
--          Cheap at the national scale: no person-month expansion. Headcounts are +1/-1 steps at
--          each roster stretch's start and end; an award is valid at the end of the months
--          [from_m, to_m), a person's spans per kind are merged into disjoint islands, cut by their
--          stretches and counted the same way; running sums turn the steps into monthly counts
--          (as 117_mart_badges_funnel.sql).
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_coverage AS
WITH spans AS (
    -- distinct, so the island numbering below has no ties in its order
    SELECT DISTINCT a.staff_key, k.kind_key,
           CAST(date_trunc('month', a.awarded_on) AS DATE) AS from_m,
           least(coalesce(CAST(date_trunc('month', a.revoked_on) AS DATE), DATE '9999-12-01'),
                 coalesce(CAST(date_trunc('month', a.valid_until + INTERVAL 1 DAY) AS DATE),
                          DATE '9999-12-01')) AS to_m
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    JOIN (VALUES ('any'), ('badge'), ('certification')) AS k(kind_key)
      ON k.kind_key = 'any' OR k.kind_key = bc.kind
),
flagged AS (
    SELECT *,
           CASE WHEN from_m <= max(to_m) OVER (
                    PARTITION BY staff_key, kind_key ORDER BY from_m, to_m
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts
    FROM spans
    WHERE from_m < to_m
),
numbered AS (
    SELECT *, sum(starts) OVER (
               PARTITION BY staff_key, kind_key ORDER BY from_m, to_m ROWS UNBOUNDED PRECEDING) AS island
    FROM flagged
),
islands AS (
    SELECT staff_key, kind_key, min(from_m) AS from_m, max(to_m) AS to_m
    FROM numbered
    GROUP BY staff_key, kind_key, island
),
pieces AS (
    -- the stretches themselves (headcount), and islands cut by stretches (holders)
    SELECT h.agency_code, h.gov_level, h.tier, h.personnel_type, 'head' AS kind_key,
           h.valid_from AS lo,
           coalesce(CAST(h.valid_to + INTERVAL 1 DAY AS DATE), DATE '9999-12-01') AS hi
    FROM staff_history AS h
    UNION ALL
    SELECT h.agency_code, h.gov_level, h.tier, h.personnel_type, i.kind_key,
           greatest(i.from_m, h.valid_from),
           least(i.to_m, coalesce(CAST(h.valid_to + INTERVAL 1 DAY AS DATE), DATE '9999-12-01'))
    FROM islands AS i
    JOIN staff_history AS h ON h.staff_key = i.staff_key
),
steps AS (
    SELECT agency_code, gov_level, tier, personnel_type, kind_key,
           CAST(date_trunc('month', lo - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, 1 AS d
    FROM pieces WHERE lo < hi
    UNION ALL
    SELECT agency_code, gov_level, tier, personnel_type, kind_key,
           CAST(date_trunc('month', hi - INTERVAL 1 DAY) + INTERVAL 1 MONTH AS DATE) AS step_on, -1 AS d
    FROM pieces WHERE lo < hi AND hi < DATE '9999-12-01'
),
stepped AS (
    SELECT agency_code, gov_level, tier, personnel_type, kind_key, step_on, sum(d) AS d
    FROM steps
    GROUP BY agency_code, gov_level, tier, personnel_type, kind_key, step_on
),
running AS (
    SELECT agency_code, gov_level, tier, personnel_type, kind_key, step_on,
           sum(d) OVER w AS n,
           lead(step_on) OVER w AS next_on
    FROM stepped
    WINDOW w AS (PARTITION BY agency_code, gov_level, tier, personnel_type, kind_key ORDER BY step_on)
),
counts AS (
    SELECT m.month, r.agency_code, r.gov_level, r.tier, r.personnel_type, r.kind_key, r.n
    FROM running AS r
    JOIN roster_month AS m ON m.month >= r.step_on AND (r.next_on IS NULL OR m.month < r.next_on)
    WHERE r.n > 0
)
SELECT month, agency_code, gov_level, tier, personnel_type,
       CAST(sum(n) FILTER (WHERE kind_key = 'head') AS BIGINT) AS headcount,
       CAST(coalesce(sum(n) FILTER (WHERE kind_key = 'any'), 0) AS BIGINT) AS holders_any,
       CAST(coalesce(sum(n) FILTER (WHERE kind_key = 'badge'), 0) AS BIGINT) AS holders_badge,
       CAST(coalesce(sum(n) FILTER (WHERE kind_key = 'certification'), 0) AS BIGINT) AS holders_cert
FROM counts
GROUP BY month, agency_code, gov_level, tier, personnel_type
HAVING sum(n) FILTER (WHERE kind_key = 'head') > 0
ORDER BY month, agency_code, tier, personnel_type;
