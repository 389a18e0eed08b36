-- Purpose: the waves present in the warehouse: priority-survey waves and self-assessment waves,
--          with their respondent counts (precomputed in etl/sql/121_mart_ai_gap_waves.sql).
-- Grain: one row per source x wave, oldest first.
-- Parameters: none.
-- params: {}
SELECT source, wave, n
FROM mart_ai_gap_waves
ORDER BY source, wave;
