-- Purpose: the survey and self-assessment waves present in the warehouse with their respondent
--          counts, so the wave lookup (/ai-gap, /summary, every wave picker) does not count the
--          self-assessment respondents on each call.
-- Grain: one row per source ('survey' | 'selfassessment') x wave.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_ai_gap_waves AS
SELECT 'survey' AS source, wave, count(*) AS n FROM survey_respondent GROUP BY wave
UNION ALL
SELECT 'selfassessment' AS source, wave, count(*) AS n FROM selfassessment_respondent GROUP BY wave
ORDER BY source, wave;
