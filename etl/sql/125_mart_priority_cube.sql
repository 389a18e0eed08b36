-- Purpose: the cells of the competency-priority explorer precomputed for every selection the
--          dashboard can make without listing several agencies, so that its queries pick rows
--          instead of grouping the points on every call:
--          dashboard/queries/priority_estimates_cube.sql and priority_groups_cube.sql. One cell
--          per combination of agency, government level, tier, work group and personnel type,
--          each either one value or all of them (all_* = TRUE: the dimension summed over;
--          GROUP BY CUBE). A selection's groups are the cells whose grouping dimension has a
--          value, whose filtered dimensions have the filter's value and whose other dimensions
--          are summed over. A selection of several agencies not grouped by agency adds up the
--          agencies' cells (their exact DECIMAL sums: dashboard/queries/priority_agency_cells.sql)
--          and computes scores, ranks and group N from the totals, with the same doubles.
--          Every number is computed as those queries compute it over the points (exact DECIMAL
--          sums, then the same double arithmetic), weighted (_w) and unweighted (_u), so the
--          same rows, types and doubles; tests/integration/test_survey_cubes.py checks.
-- Grain: mart_priority_cube: one row per all_agency x agency_code x all_gov x gov_level x
--        all_tier x tier x all_wg x workgroup x all_pt x personnel_type x wave x category x
--        competency_code of the own-tier points (mart_ai_gap_points).
--        mart_priority_cube_groups: one row per cell x wave with respondents
--        (survey_respondent): their number, weight sum and Kish n_eff (and the exact sums of
--        weights and squared weights, for several agencies), and the largest and
--        smallest number of own-tier points of any competency of the cell (NULL without points).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_priority_cube AS
WITH cells AS (
    SELECT
        p.wave,
        grouping(p.agency_code) = 1 AS all_agency, p.agency_code,
        grouping(p.gov_level) = 1 AS all_gov, p.gov_level,
        grouping(p.tier) = 1 AS all_tier, p.tier,
        grouping(p.workgroup) = 1 AS all_wg, p.workgroup,
        grouping(p.personnel_type) = 1 AS all_pt, p.personnel_type,
        p.category,
        p.competency_code,
        coalesce(bool_or(p.ai_related), FALSE) AS ai_related,
        count(*) AS n,
        CAST(count(*) AS DOUBLE) AS nf,
        sum(CAST(p.weight AS DECIMAL(38, 12))) AS exact_w,
        sum(CAST(p.weight * p.weight AS DECIMAL(38, 12))) AS exact_w2,
        sum(CAST(p.weight * p.points AS DECIMAL(38, 12))) AS exact_wx,
        sum(CAST(p.weight * p.points * p.points AS DECIMAL(38, 12))) AS exact_wx2,
        CAST(sum(p.points) AS DOUBLE) AS sum_x,
        CAST(sum(p.points * p.points) AS DOUBLE) AS sum_x2,
        min(p.k) AS k_min,
        max(p.k) AS k_max
    FROM mart_ai_gap_points AS p
    GROUP BY p.wave, p.category, p.competency_code,
             CUBE (p.agency_code, p.gov_level, p.tier, p.workgroup, p.personnel_type)
),
sums AS (
    SELECT *,
           CAST(exact_w AS DOUBLE) AS sum_w, CAST(exact_w2 AS DOUBLE) AS sum_w2,
           CAST(exact_wx AS DOUBLE) AS sum_wx, CAST(exact_wx2 AS DOUBLE) AS sum_wx2
    FROM cells
),
means AS (
    SELECT *,
           sum_wx / sum_w AS score_w, sum_w * sum_w / sum_w2 AS n_eff_w,
           sum_x / nf AS score_u, nf AS n_eff_u
    FROM sums
),
spread AS (
    -- Population variance (clipped at 0), then the n/(n-1) correction; NULL for n = 1.
    SELECT *,
           greatest(sum_wx2 / sum_w - score_w * score_w, 0.0) * nf / CASE WHEN n > 1 THEN nf - 1 END AS var_w,
           greatest(sum_x2 / nf - score_u * score_u, 0.0) * nf / CASE WHEN n > 1 THEN nf - 1 END AS var_u
    FROM means
)
SELECT
    all_agency, agency_code, all_gov, gov_level, all_tier, tier, all_wg, workgroup, all_pt, personnel_type,
    wave, category, competency_code, ai_related, n,
    -- the exact sums, for selections of several agencies (the service adds their cells up)
    exact_w, exact_w2, exact_wx, exact_wx2, sum_x, sum_x2,
    score_w, sqrt(var_w / n_eff_w) AS se_w, n_eff_w,
    CAST(CASE WHEN score_w IS NOT NULL THEN rank() OVER (
        PARTITION BY all_agency, agency_code, all_gov, gov_level, all_tier, tier, all_wg, workgroup,
                     all_pt, personnel_type, wave, category, score_w IS NULL
        ORDER BY score_w DESC) END AS DOUBLE) AS rank_w,
    score_u, sqrt(var_u / n_eff_u) AS se_u, n_eff_u,
    CAST(CASE WHEN score_u IS NOT NULL THEN rank() OVER (
        PARTITION BY all_agency, agency_code, all_gov, gov_level, all_tier, tier, all_wg, workgroup,
                     all_pt, personnel_type, wave, category, score_u IS NULL
        ORDER BY score_u DESC) END AS DOUBLE) AS rank_u,
    k_min, k_max,
    CAST(CASE category WHEN 'common' THEN 0 WHEN 'technical' THEN 1 WHEN 'management' THEN 2 ELSE 9 END
        AS DOUBLE) AS category_order
FROM spread
-- A selection reads one combination of the all_* flags (and within it one agency, or all):
-- those first, so that the scan skips every other row group (DuckDB's zone maps).
ORDER BY all_agency, all_gov, all_tier, all_wg, all_pt, agency_code, gov_level, tier, workgroup,
         personnel_type, wave, category_order, category, competency_code;

CREATE OR REPLACE TABLE mart_priority_cube_groups AS
WITH respondents AS (
    SELECT
        r.wave,
        grouping(r.agency_code) = 1 AS all_agency, r.agency_code,
        grouping(r.gov_level) = 1 AS all_gov, r.gov_level,
        grouping(r.tier) = 1 AS all_tier, r.tier,
        grouping(r.workgroup) = 1 AS all_wg, r.workgroup,
        grouping(r.personnel_type) = 1 AS all_pt, r.personnel_type,
        count(*) AS n,
        CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
        sum(CAST(r.weight AS DECIMAL(38, 12))) AS exact_w,
        sum(CAST(r.weight * r.weight AS DECIMAL(38, 12))) AS exact_w2,
        CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE)
            * CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE)
            / CAST(sum(CAST(r.weight * r.weight AS DECIMAL(38, 12))) AS DOUBLE) AS n_eff
    FROM survey_respondent AS r
    GROUP BY r.wave, CUBE (r.agency_code, r.gov_level, r.tier, r.workgroup, r.personnel_type)
),
bounds AS (
    SELECT all_agency, agency_code, all_gov, gov_level, all_tier, tier, all_wg, workgroup, all_pt,
           personnel_type, wave, max(n) AS n_max, min(n) AS n_min
    FROM mart_priority_cube
    GROUP BY ALL
)
SELECT r.all_agency, r.agency_code, r.all_gov, r.gov_level, r.all_tier, r.tier, r.all_wg, r.workgroup,
       r.all_pt, r.personnel_type, r.wave, r.n, r.sum_w, r.n_eff, r.exact_w, r.exact_w2, b.n_max, b.n_min
FROM respondents AS r
LEFT JOIN bounds AS b
  ON b.wave = r.wave
 AND b.all_agency = r.all_agency AND b.agency_code IS NOT DISTINCT FROM r.agency_code
 AND b.all_gov = r.all_gov AND b.gov_level IS NOT DISTINCT FROM r.gov_level
 AND b.all_tier = r.all_tier AND b.tier IS NOT DISTINCT FROM r.tier
 AND b.all_wg = r.all_wg AND b.workgroup IS NOT DISTINCT FROM r.workgroup
 AND b.all_pt = r.all_pt AND b.personnel_type IS NOT DISTINCT FROM r.personnel_type
ORDER BY r.all_agency, r.all_gov, r.all_tier, r.all_wg, r.all_pt, r.agency_code, r.gov_level, r.tier,
         r.workgroup, r.personnel_type, r.wave;

-- Purpose (mart_priority_agency_cells): every agency's cells of both tables above, for a
--          selection of several agencies not grouped by agency (agency HR with more than one):
--          dashboard/queries/priority_agency_cells.sql returns the listed agencies' rows in one
--          scan, and the services add their exact sums up.
-- Grain: one row per kind x cell x wave (x item for kind = 'points'): kind = 'points' (own-tier
--        point statistics per item, from mart_priority_cube) or 'respondents' (respondents and
--        their exact weight sums, from mart_priority_cube_groups; no item, and FALSE / 0 in the
--        item columns ai_related, k_min, k_max so that those keep their types).
CREATE OR REPLACE TABLE mart_priority_agency_cells AS
SELECT 'points' AS kind, all_gov, gov_level, all_tier, tier, all_wg, workgroup, all_pt, personnel_type,
       agency_code, wave, category, competency_code, ai_related, n, exact_w, exact_w2, exact_wx,
       exact_wx2, sum_x, sum_x2, k_min, k_max, category_order
FROM mart_priority_cube
WHERE NOT all_agency
UNION ALL
SELECT 'respondents' AS kind, all_gov, gov_level, all_tier, tier, all_wg, workgroup, all_pt,
       personnel_type, agency_code, wave, NULL, NULL, FALSE, n, exact_w, exact_w2, NULL, NULL, NULL,
       NULL, CAST(0 AS SMALLINT), CAST(0 AS SMALLINT), NULL
FROM mart_priority_cube_groups
WHERE NOT all_agency
-- the all_* flags first, as the tables above: a selection reads one combination of them
ORDER BY all_gov, all_tier, all_wg, all_pt, agency_code, gov_level, tier, workgroup, personnel_type,
         wave, kind, category_order, competency_code;
