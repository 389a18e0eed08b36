-- Purpose: store the raked weights of a wave staged as _survey_weight_stage.
-- Grain: statement; updates one row per respondent of the wave.
-- Parameters: $wave; reads _survey_weight_stage(respondent_id, weight).
UPDATE survey_respondent AS r
SET weight = s.weight
FROM _survey_weight_stage AS s
WHERE r.wave = $wave AND s.respondent_id = r.respondent_id;
