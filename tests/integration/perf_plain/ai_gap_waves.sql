-- Purpose: the waves present in the warehouse: priority-survey waves and self-assessment waves.
-- Grain: one row per source x wave, oldest first.
-- Parameters: none.
-- params: {}
SELECT 'survey' AS source, wave, count(*) AS n FROM survey_respondent GROUP BY wave
UNION ALL
SELECT 'selfassessment' AS source, wave, count(*) AS n FROM selfassessment_respondent GROUP BY wave
ORDER BY source, wave;
