-- Purpose: the survey waves present in the warehouse and whether their groups were supplied.
-- Grain: one row per wave.
-- Parameters: none.
SELECT wave,
       count(*) AS n_responses,
       count(*) FILTER (WHERE workgroup_source = 'supplied') AS n_supplied
FROM survey_respondent
GROUP BY wave
ORDER BY wave;
