-- Purpose: record one survey wave: instrument, field period, size, weights' Kish n_eff and method.
-- Grain: one row per wave.
-- Parameters: $wave, $instrument, $opened_on, $closed_at, $n_responses, $kish_n_eff, $weight_method.
INSERT INTO survey_wave (wave, instrument, opened_on, closed_at, n_responses, kish_n_eff, weight_method)
VALUES ($wave, $instrument, $opened_on, $closed_at, $n_responses, $kish_n_eff, $weight_method);
