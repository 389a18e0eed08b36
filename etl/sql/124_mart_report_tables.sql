-- Purpose: Tables 19-22 and 23-26 of the 2025 report for every survey wave, precomputed so that
--          /report-tables reads a few hundred rows instead of grouping the points on each call
--          (dashboard/queries/report_tables_scores.sql and report_tables_workgroup.sql). The
--          means are averages of integer Borda points: the same doubles as grouping on request.
-- Grain: mart_report_scores: one row per wave x scope (national | central | municipal | county)
--        x tier x category x competency_code, from each respondent's own-tier part.
--        mart_report_workgroup: one row per wave x work group x report tier column x category x
--        competency_code; respondents without a work group are left out, as in the report, and
--        the middle column pools part 1-2 of middle and senior respondents (CHECKS D14).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_report_scores AS
SELECT
    wave,
    CASE WHEN grouping(gov_level) = 1 THEN 'national' ELSE gov_level END AS scope,
    tier,
    category,
    competency_code,
    count(*) AS n,
    avg(points) AS score
FROM mart_ai_gap_points
GROUP BY GROUPING SETS ((wave, gov_level, tier, category, competency_code), (wave, tier, category, competency_code))
ORDER BY wave, scope, tier, category, competency_code;

CREATE OR REPLACE TABLE mart_report_workgroup AS
SELECT
    r.wave,
    r.workgroup,
    p.part_tier AS tier,
    p.category,
    p.competency_code,
    count(*) AS n,
    avg(p.points) AS score
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id
 AND (p.part_tier = r.tier OR (p.part_tier = 'middle' AND r.tier = 'senior'))
WHERE r.workgroup IS NOT NULL
GROUP BY r.wave, r.workgroup, p.part_tier, p.category, p.competency_code
ORDER BY r.wave, r.workgroup, p.part_tier, p.category, p.competency_code;
