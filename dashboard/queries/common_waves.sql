-- Purpose: survey waves for the wave filter, newest first.
-- Grain: one row per survey wave.
-- Parameters: none.
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {}
SELECT wave, instrument, opened_on, closed_at, n_responses, kish_n_eff
FROM survey_wave
ORDER BY wave DESC;
