-- Purpose: self-check of the badge cell marts, run as the last mart of every build and load: the
--          funnel, route/badge coverage, monthly and current-staff/award marts (117-120, 123) agree with the
--          coverage mart (110) and their sources. Every funnel and route/badge coverage cell is a
--          roster cell of mart_badges_coverage and counts at most its headcount; per month and
--          cell, the badge-level coverage counts bracket the coverage mart's holder counts (max
--          over badges <= holders <= sum over badges, for any kind, badges and certifications: two
--          independent computations of the same people); the monthly 'issued' events add up to
--          mart_badges_award; mart_badges_current_staff has one row per person of the latest
--          roster month (the headcount of that month) and every award of a known badge class of
--          them, and mart_badges_current_award has exactly those awards. A disagreement fails the step (nothing is published), like a failed audit. It is
--          a mart, not an etl/checks audit, because the audits also run on warehouses built from
--          other SQL folders, where these marts do not exist.
-- Grain: mart_badges_audit: one row per failed check (none when the marts agree).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_audit AS
WITH cov AS (
    SELECT month, agency_code, gov_level, tier, personnel_type, headcount FROM mart_badges_coverage
),
funnel_bad AS (
    SELECT count(*) AS n
    FROM mart_badges_funnel AS f
    LEFT JOIN cov AS c USING (month, agency_code, gov_level, tier, personnel_type)
    WHERE c.headcount IS NULL OR f.n > c.headcount OR f.n <= 0
),
coverage_badge_bad AS (
    SELECT count(*) AS n
    FROM mart_badges_coverage_badge AS b
    LEFT JOIN cov AS c USING (month, agency_code, gov_level, tier, personnel_type)
    WHERE c.headcount IS NULL OR b.holders_any > c.headcount
       OR b.holders_badge > b.holders_any OR b.holders_cert > b.holders_any
),
per_badge AS (
    SELECT month, agency_code, gov_level, tier, personnel_type,
           max(holders_any) AS max_any, sum(holders_any) AS sum_any,
           max(holders_badge) AS max_badge, sum(holders_badge) AS sum_badge,
           max(holders_cert) AS max_cert, sum(holders_cert) AS sum_cert
    FROM mart_badges_coverage_badge
    WHERE group_by = 'badge'
    GROUP BY month, agency_code, gov_level, tier, personnel_type
),
badge_sum AS (
    SELECT count(*) AS n
    FROM mart_badges_coverage AS c
    FULL JOIN per_badge AS b USING (month, agency_code, gov_level, tier, personnel_type)
    WHERE c.holders_any IS NULL
       OR NOT (coalesce(b.max_any, 0) <= c.holders_any AND c.holders_any <= coalesce(b.sum_any, 0))
       OR NOT (coalesce(b.max_badge, 0) <= c.holders_badge AND c.holders_badge <= coalesce(b.sum_badge, 0))
       OR NOT (coalesce(b.max_cert, 0) <= c.holders_cert AND c.holders_cert <= coalesce(b.sum_cert, 0))
),
issued AS (
    SELECT (SELECT coalesce(sum(n), 0) FROM mart_badges_monthly WHERE event = 'issued') AS cells,
           (SELECT count(*) FROM mart_badges_award) AS source
),
latest AS (
    SELECT (SELECT count(*) FROM mart_badges_current_staff) AS people,
           (SELECT coalesce(sum(headcount), 0) FROM mart_badges_coverage
             WHERE month = (SELECT max(month) FROM roster_month)) AS headcount,
           (SELECT coalesce(sum(len(awards)), 0) FROM mart_badges_current_staff) AS awards,
           (SELECT count(*) FROM mart_badges_current_award) AS flat_awards,
           (SELECT count(*) FROM badge_award AS a JOIN badge_class AS bc ON bc.badge_code = a.badge_code
             WHERE a.staff_key IN (SELECT staff_key FROM mart_badges_current_staff)) AS source_awards
)
SELECT 'funnel_cell_outside_roster_or_above_headcount' AS problem, n AS detail FROM funnel_bad WHERE n > 0
UNION ALL
SELECT 'coverage_badge_cell_outside_roster_or_inconsistent', n FROM coverage_badge_bad WHERE n > 0
UNION ALL
SELECT 'coverage_badge_cells_disagree_with_coverage', n FROM badge_sum WHERE n > 0
UNION ALL
SELECT 'monthly_issued_differs_from_awards', cells - source FROM issued WHERE cells <> source
UNION ALL
SELECT 'current_staff_differs_from_latest_headcount', people - headcount FROM latest WHERE people <> headcount
UNION ALL
SELECT 'current_staff_awards_differ_from_badge_award', awards - source_awards FROM latest WHERE awards <> source_awards
UNION ALL
SELECT 'current_award_rows_differ_from_current_staff', flat_awards - awards FROM latest WHERE flat_awards <> awards;

SELECT CASE WHEN count(*) > 0
            THEN error('mart_badges_audit: ' || string_agg(problem || ' (' || detail || ')', ', '))
       END AS failed
FROM mart_badges_audit;
