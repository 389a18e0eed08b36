-- Purpose: survey weights are finite and positive (raking never yields 0, negative or NaN).
-- Grain: one row per offending respondent (none when the audit passes).
-- Parameters: none.
SELECT wave, respondent_id, weight
FROM survey_respondent
WHERE weight IS NULL OR isnan(weight) OR isinf(weight) OR weight <= 0;
