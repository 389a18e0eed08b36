-- Plain form, not served: the query as it grouped the points on every call, before the cells
-- (etl/sql/113 and 125) answered every selection; the tests compare the served queries with it.
-- Purpose: the competency-priority (Borda) score per group and competency, from each
--          respondent's own-tier part (part_tier = respondent's tier): N, mean, Kish effective n,
--          standard error, 95 % interval and competition rank within group and category, with
--          the catalog's AI flag. Reads mart_ai_gap_points (etl/sql/113_mart_ai_gap_survey.sql:
--          the own-tier points already joined to their respondent and the catalog), so no join
--          per request. Exact sums (DECIMAL) feed the same IEEE double arithmetic as
--          services.priority.estimates on the statistics of priority_scores.sql (the reference
--          the tests compare with, bit for bit).
-- Grain: one row per (wave, grp, category, competency_code), ordered by wave, grp, category
--        (common, technical, management), rank, competency_code.
-- Parameters: $wave; $wave_b (a second wave computed alongside, for wave comparisons; NULL =
--   none); $gov_level, $tier, $workgroup, $personnel_type (NULL = all);
--   $agencies (VARCHAR[] of agency codes, NULL = all); $group_by (tier | gov_level | workgroup |
--   personnel_type | agency | all) chooses the grouping column (a value, never SQL text);
--   $groups (VARCHAR[]: only these groups' rows, NULL = all; each group's figures do not
--   depend on the others'); $weighted (BOOLEAN: raked weights and Kish n_eff, or plain means with n_eff = n); $z (the
--   normal quantile of the interval, 1.96 for 95 %).
-- params: {"wave": "2025", "wave_b": null, "gov_level": null, "agencies": ["C3005", "C3018"], "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier", "groups": null, "weighted": true, "z": 1.959963984540054}
WITH pts AS (
    SELECT
        m.wave,
        m.category,
        m.competency_code,
        m.ai_related,
        m.weight,
        m.points,
        m.k,
        CASE $group_by
            WHEN 'tier' THEN m.tier
            WHEN 'gov_level' THEN m.gov_level
            WHEN 'workgroup' THEN m.workgroup
            WHEN 'personnel_type' THEN m.personnel_type
            WHEN 'agency' THEN m.agency_code
            ELSE 'all'
        END AS grp
    FROM mart_ai_gap_points AS m
    WHERE (m.wave = $wave OR m.wave = $wave_b)
      AND ($gov_level IS NULL OR m.gov_level = $gov_level)
      AND ($agencies IS NULL OR list_contains($agencies, m.agency_code))
      AND ($tier IS NULL OR m.tier = $tier)
      AND ($workgroup IS NULL OR m.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR m.personnel_type = $personnel_type)
),
stats AS (
    SELECT
        wave,
        grp,
        category,
        competency_code,
        bool_or(ai_related) AS ai_related,
        count(*) AS n,
        CAST(count(*) AS DOUBLE) AS nf,
        CAST(sum(CAST(weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
        CAST(sum(CAST(weight * weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
        CAST(sum(CAST(weight * points AS DECIMAL(38, 12))) AS DOUBLE) AS sum_wx,
        CAST(sum(CAST(weight * points * points AS DECIMAL(38, 12))) AS DOUBLE) AS sum_wx2,
        CAST(sum(points) AS DOUBLE) AS sum_x,
        CAST(sum(points * points) AS DOUBLE) AS sum_x2,
        min(k) AS k_min,
        max(k) AS k_max
    FROM pts
    WHERE $groups IS NULL OR list_contains($groups, grp)
    GROUP BY wave, grp, category, competency_code
),
means AS (
    SELECT
        *,
        CASE WHEN $weighted THEN sum_wx / sum_w ELSE sum_x / nf END AS score,
        CASE WHEN $weighted THEN sum_w * sum_w / sum_w2 ELSE nf END AS n_eff
    FROM stats
),
spread AS (
    SELECT
        *,
        -- Population variance (clipped at 0), then the n/(n-1) correction; NULL for n = 1.
        greatest(
            CASE WHEN $weighted THEN sum_wx2 / sum_w ELSE sum_x2 / nf END - score * score, 0.0
        ) * nf / CASE WHEN n > 1 THEN nf - 1 END AS var
    FROM means
),
est AS (
    SELECT *, sqrt(var / n_eff) AS se FROM spread
)
SELECT
    est.wave,
    est.grp,
    est.category,
    est.competency_code,
    coalesce(est.ai_related, FALSE) AS ai_related,
    est.n,
    est.score,
    est.se,
    est.score - $z * est.se AS ci_low,
    est.score + $z * est.se AS ci_high,
    est.n_eff,
    -- No rank for a missing score, nor in the NULL group (pandas' groupby rank leaves it out too).
    CAST(CASE WHEN est.score IS NOT NULL AND est.grp IS NOT NULL
        THEN rank() OVER (PARTITION BY est.wave, est.grp, est.category, est.score IS NULL ORDER BY est.score DESC)
    END AS DOUBLE) AS rank,
    est.k_min,
    est.k_max,
    CAST(CASE est.category WHEN 'common' THEN 0 WHEN 'technical' THEN 1 WHEN 'management' THEN 2 ELSE 9 END
        AS DOUBLE) AS category_order
FROM est
ORDER BY est.wave, est.grp NULLS LAST, category_order, rank NULLS LAST, est.competency_code;
