-- Purpose: Part-2 task rankings of one wave, the input of the work-group derivation.
-- Grain: one row per respondent and ranked (or 'none'-ticked) task.
-- Parameters: $wave.
SELECT respondent_id, domain, task_code, rank
FROM survey_task_rank
WHERE wave = $wave
ORDER BY respondent_id, task_code;
