-- Purpose: sums for Borich's mean weighted discrepancy score (importance - proficiency, weighted
--          by mean importance) and for the importance-performance chart, per competency and group
--          of one self-assessment wave. Group attributes come from the roster month of the wave
--          (precomputed cells: mart_ai_gap_sa_items, etl/sql/114_mart_ai_gap_selfassessment.sql).
-- Grain: one row per group_code x competency_code (respondents with both answers).
-- Parameters: $sa_wave (e.g. '2025-10'), $group_by ('national' | 'tier' | 'gov_level' |
--   'personnel_type'), $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"sa_wave": "2025-10", "group_by": "national", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT CASE $group_by
           WHEN 'tier' THEN c.tier
           WHEN 'gov_level' THEN c.gov_level
           WHEN 'personnel_type' THEN c.personnel_type
           ELSE 'all'
       END AS group_code,
       c.competency_code, c.category,
       CAST(sum(c.n) AS BIGINT) AS n,
       CAST(sum(CAST(c.sum_i AS DECIMAL(38, 12))) AS DOUBLE) AS sum_i,
       CAST(sum(CAST(c.sum_p AS DECIMAL(38, 12))) AS DOUBLE) AS sum_p,
       CAST(sum(CAST(c.sum_i2 AS DECIMAL(38, 12))) AS DOUBLE) AS sum_i2,
       CAST(sum(CAST(c.sum_p2 AS DECIMAL(38, 12))) AS DOUBLE) AS sum_p2
FROM mart_ai_gap_sa_items AS c
WHERE c.wave = $sa_wave
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
  AND ($tier IS NULL OR c.tier = $tier)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY group_code, c.competency_code;
