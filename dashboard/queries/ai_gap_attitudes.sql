-- Purpose: mean agreement (1-5) with the five AI attitudes per group of one self-assessment wave,
--          as sums so the service can form means and intervals (precomputed cells:
--          mart_ai_gap_sa_attitudes, etl/sql/114_mart_ai_gap_selfassessment.sql).
-- Grain: one row per group_code x attitude_code.
-- Parameters: $sa_wave, $group_by ('national' | 'tier' | 'gov_level' | 'personnel_type'),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"sa_wave": "2025-10", "group_by": "tier", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT CASE $group_by
           WHEN 'tier' THEN c.tier
           WHEN 'gov_level' THEN c.gov_level
           WHEN 'personnel_type' THEN c.personnel_type
           ELSE 'all'
       END AS group_code,
       c.attitude_code,
       CAST(sum(c.n) AS BIGINT) AS n,
       CAST(sum(CAST(c.sum_x AS DECIMAL(38, 12))) AS DOUBLE) AS sum_x,
       CAST(sum(CAST(c.sum_x2 AS DECIMAL(38, 12))) AS DOUBLE) AS sum_x2
FROM mart_ai_gap_sa_attitudes AS c
WHERE c.wave = $sa_wave
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
  AND ($tier IS NULL OR c.tier = $tier)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY group_code, c.attitude_code;
