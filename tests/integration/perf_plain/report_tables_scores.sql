-- Test reference, not served: the query as it grouped the points on every call, before the
-- mart (etl/sql/124_mart_report_tables.sql); tests/integration/test_survey_cubes.py compares.
-- Purpose: Tables 19-22 of the 2025 report rebuilt live: unweighted mean Borda points (the
--          report's own definition) per scope (national and each government level), tier,
--          category and competency, from each respondent's own-tier part.
-- Grain: one row per (scope, tier, category, competency_code); scope = national | central |
--        municipal | county.
-- Source: mart_ai_gap_points (etl/sql/113_mart_ai_gap_survey.sql) holds exactly the own-tier
--         points joined to the respondent (survey_respondent × survey_competency_points with
--         part_tier = tier), so this groups one table instead of joining on every call (about
--         4 ms instead of 7 ms on the demo warehouse); the same values to the last bit (sums of
--         integer points).
-- Parameters: $wave (the survey wave, e.g. '2025').
-- params: {"wave": "2025"}
SELECT
    CASE WHEN grouping(gov_level) = 1 THEN 'national' ELSE gov_level END AS scope,
    tier,
    category,
    competency_code,
    count(*) AS n,
    avg(points) AS score
FROM mart_ai_gap_points
WHERE wave = $wave
GROUP BY GROUPING SETS ((gov_level, tier, category, competency_code), (tier, category, competency_code))
ORDER BY scope, tier, category, competency_code;
