-- Purpose: remove the survey_wave row of a wave before it is rewritten.
-- Grain: statement.
-- Parameters: $wave.
DELETE FROM survey_wave WHERE wave = $wave;
