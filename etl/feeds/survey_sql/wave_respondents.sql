-- Purpose: respondents of one wave with the raking variables (supervisor as the report counted it).
-- Grain: one row per respondent of the wave.
-- Parameters: $wave.
SELECT respondent_id,
       gov_level,
       rank_class,
       CASE WHEN is_supervisor THEN 'supervisor' ELSE 'non_supervisor' END AS supervisor,
       personnel_type
FROM survey_respondent
WHERE wave = $wave
ORDER BY respondent_id;
