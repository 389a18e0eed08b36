-- Purpose: Tables 19-22 of the 2025 report rebuilt live: unweighted mean Borda points (the
--          report's own definition) per scope (national and each government level), tier,
--          category and competency, from each respondent's own-tier part.
-- Grain: one row per (scope, tier, category, competency_code); scope = national | central |
--        municipal | county.
-- Source: mart_report_scores (etl/sql/124_mart_report_tables.sql), grouped from the own-tier
--         points once per build or load; the same values to the last bit (means of integer
--         points).
-- Parameters: $wave (the survey wave, e.g. '2025').
-- params: {"wave": "2025"}
SELECT scope, tier, category, competency_code, n, score
FROM mart_report_scores
WHERE wave = $wave
ORDER BY scope, tier, category, competency_code;
