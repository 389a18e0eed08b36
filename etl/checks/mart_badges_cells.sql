-- Purpose: the badge cell marts (etl/sql/117-120) agree with their sources: every funnel and
--          route/badge coverage cell is a roster cell of mart_badges_coverage and counts at most its
--          headcount; the badge-level coverage cells add up to mart_badges_holding; the monthly
--          'issued' events add up to mart_badges_award; mart_badges_current_staff has one row per
--          person of the latest roster month (the headcount of that month) and every award of them.
-- Grain: one row per failed check (none when the audit passes).
-- Parameters: none.
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
badge_sum AS (
    SELECT (SELECT coalesce(sum(holders_any), 0) FROM mart_badges_coverage_badge WHERE group_by = 'badge') AS cells,
           (SELECT count(*) FROM mart_badges_holding) AS source
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
           (SELECT count(*) FROM badge_award
             WHERE staff_key IN (SELECT staff_key FROM mart_badges_current_staff)) AS source_awards
)
SELECT 'funnel_cell_outside_roster_or_above_headcount' AS problem, n AS detail FROM funnel_bad WHERE n > 0
UNION ALL
SELECT 'coverage_badge_cell_outside_roster_or_inconsistent', n FROM coverage_badge_bad WHERE n > 0
UNION ALL
SELECT 'coverage_badge_cells_differ_from_holding', cells - source FROM badge_sum WHERE cells <> source
UNION ALL
SELECT 'monthly_issued_differs_from_awards', cells - source FROM issued WHERE cells <> source
UNION ALL
SELECT 'current_staff_differs_from_latest_headcount', people - headcount FROM latest WHERE people <> headcount
UNION ALL
SELECT 'current_staff_awards_differ_from_badge_award', awards - source_awards FROM latest WHERE awards <> source_awards;
