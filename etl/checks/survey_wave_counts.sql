-- Purpose: survey_wave.n_responses equals the respondents loaded for the wave.
-- Grain: one row per wave whose count disagrees (none when the audit passes).
-- Parameters: none.
SELECT w.wave, w.n_responses, count(r.respondent_id) AS respondents
FROM survey_wave AS w
LEFT JOIN survey_respondent AS r USING (wave)
GROUP BY w.wave, w.n_responses
HAVING w.n_responses IS NOT NULL AND w.n_responses <> count(r.respondent_id);
