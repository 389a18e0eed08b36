-- Purpose: the priority survey's own-tier Borda points joined to the respondent's attributes and
--          weight, so the /ai-gap, /badges (supply vs demand) and /summary queries group one table
--          instead of joining respondents to their points on every call.
-- Grain: one row per wave x respondent_id x category x competency_code of the respondent's own
--        tier part (survey_competency_points with part_tier = the respondent's tier).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_ai_gap_points AS
SELECT r.wave, r.respondent_id, r.tier, r.gov_level, r.agency_code, r.workgroup, r.personnel_type,
       r.weight, p.category, p.competency_code, m.ai_related, p.rank, p.k, p.points
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
JOIN competency AS m ON m.competency_code = p.competency_code
-- a stable order keeps every aggregate's summation order (and so its last bit) reproducible
ORDER BY r.wave, r.respondent_id, p.category, p.competency_code;

-- Purpose: one row per respondent with at least one own-tier point: attributes, weight and whether
--          any AI-related item is among their ranked (top-k) items, for the AI mention rate.
-- Grain: one row per wave x respondent_id.
CREATE OR REPLACE TABLE mart_ai_gap_respondent AS
SELECT wave, respondent_id,
       any_value(tier) AS tier, any_value(gov_level) AS gov_level, any_value(agency_code) AS agency_code,
       any_value(workgroup) AS workgroup, any_value(personnel_type) AS personnel_type,
       any_value(weight) AS weight,
       bool_or(rank IS NOT NULL AND ai_related) AS mentioned
FROM mart_ai_gap_points
GROUP BY wave, respondent_id
ORDER BY wave, respondent_id;

-- Purpose: the AI-gap priority cells (mart_ai_gap_points grouped as
--          tests/integration/perf_plain/ai_gap_priority_points.sql groups it) for every selection of all agencies
--          or of one agency, precomputed: one cell per wave x tier x item for each combination of
--          agency, gov_level, work group and personnel type, each either one value or all of them
--          (all_* = TRUE: the dimension summed over; GROUP BY CUBE). Sums, scores, ranks and
--          category means are computed exactly as the query computes them (exact DECIMAL sums, so
--          the same doubles), weighted (_w) and unweighted (_u), for the query
--          dashboard/queries/ai_gap_priority_cube.sql to pick without scanning the points. A
--          selection of several agencies (agency HR with more than one) adds their cells up in the
--          service (mart_priority_agency_cells, etl/sql/125): ranks cannot be summed over agencies.
-- Grain: one row per all_agency x agency_code x all_gov x gov_level x all_wg x workgroup x all_pt x personnel_type x wave x
--        tier x category x competency_code (workgroup NULL counts as 'unknown', as the query's
--        group_code; a workgroup filter never names 'unknown').
CREATE OR REPLACE TABLE mart_ai_gap_priority_cube AS
WITH points AS (
    SELECT wave, tier, agency_code, gov_level, coalesce(workgroup, 'unknown') AS workgroup, personnel_type,
           category, competency_code, ai_related, k, weight, points
    FROM mart_ai_gap_points
),
cells AS (
    SELECT p.wave, p.tier,
           grouping(p.agency_code) = 1 AS all_agency, p.agency_code,
           grouping(p.gov_level) = 1 AS all_gov, p.gov_level,
           grouping(p.workgroup) = 1 AS all_wg, p.workgroup,
           grouping(p.personnel_type) = 1 AS all_pt, p.personnel_type,
           p.category, p.competency_code,
           any_value(p.ai_related) AS ai_related,
           count(*) AS n,
           max(p.k) AS k,
           CAST(sum(CAST(p.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
           CAST(sum(CAST(p.weight * p.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
           -- NULL, not NaN, for a cell whose weights sum to 0 (the weight audit fails such a
           -- build; the mart must not abort the load before the audits run).
           CAST(sum(CAST(p.weight * p.points AS DECIMAL(38, 12))) AS DOUBLE)
               / NULLIF(CAST(sum(CAST(p.weight AS DECIMAL(38, 12))) AS DOUBLE), 0) AS score_w,
           CAST(sum(CAST(1.0 AS DECIMAL(38, 12))) AS DOUBLE) AS sum_1,
           CAST(sum(CAST(CAST(p.points AS DOUBLE) AS DECIMAL(38, 12))) AS DOUBLE)
               / CAST(sum(CAST(1.0 AS DECIMAL(38, 12))) AS DOUBLE) AS score_u
    FROM points AS p
    GROUP BY p.wave, p.tier, p.category, p.competency_code, CUBE (p.agency_code, p.gov_level, p.workgroup, p.personnel_type)
)
SELECT c.*,
       rank() OVER (ranking ORDER BY c.score_w DESC) AS rank_w,
       rank() OVER (ranking ORDER BY c.score_u DESC) AS rank_u,
       count(*) OVER ranking AS n_items,
       avg(CAST(c.score_w AS DECIMAL(38, 12))) OVER ranking AS category_mean_w,
       avg(CAST(c.score_u AS DECIMAL(38, 12))) OVER ranking AS category_mean_u
FROM cells AS c
WINDOW ranking AS (
    PARTITION BY c.all_agency, c.agency_code, c.all_gov, c.gov_level, c.all_wg, c.workgroup, c.all_pt, c.personnel_type,
                 c.wave, c.tier, c.category
)
-- the all_* flags first: a selection reads one combination of them (zone maps skip the rest)
ORDER BY c.all_agency, c.all_gov, c.all_wg, c.all_pt, c.agency_code, c.gov_level, c.workgroup,
         c.personnel_type, c.wave, c.tier, c.category, c.competency_code;
