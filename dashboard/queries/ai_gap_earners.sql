-- Purpose: change in mean self-assessed AI proficiency between two self-assessment waves for
--          people who answered both, split by whether they earned an AI badge in between
--          (awarded after the first wave's month began and by the end of the second wave's month,
--          badge aligned to an AI-related competency, not revoked by then).
-- Grain: one row per group_code x earner (TRUE/FALSE); sums of the per-person change.
-- Parameters: $wave_from, $wave_to (self-assessment waves, 'YYYY-MM'), $group_by ('national' |
--   'tier' | 'gov_level' | 'personnel_type'; attributes at the first wave's roster month),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"wave_from": "2025-10", "wave_to": "2026-06", "group_by": "national", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH panel AS (
    -- per-person means and first-wave attributes: mart_ai_gap_sa_person (etl/sql/114_mart_ai_gap_selfassessment.sql)
    SELECT a.staff_key, b.mean_p - a.mean_p AS delta,
           a.agency_code, a.gov_level, a.tier, a.personnel_type
    FROM mart_ai_gap_sa_person AS a
    JOIN (SELECT DISTINCT staff_key, mean_p FROM mart_ai_gap_sa_person WHERE wave = $wave_to) AS b
      ON b.staff_key = a.staff_key
    WHERE a.wave = $wave_from
),
earners AS (
    -- AI-badge earners of the window: mart_ai_gap_earners (etl/sql/114_mart_ai_gap_selfassessment.sql)
    SELECT e.staff_key
    FROM mart_ai_gap_earners AS e
    WHERE e.wave_from = $wave_from AND e.wave_to = $wave_to
),
attrs AS (
    SELECT p.staff_key, p.delta, e.staff_key IS NOT NULL AS earner,
           p.agency_code, p.gov_level, p.tier, p.personnel_type
    FROM panel AS p
    LEFT JOIN earners AS e ON e.staff_key = p.staff_key
)
SELECT CASE $group_by
           WHEN 'tier' THEN tier
           WHEN 'gov_level' THEN gov_level
           WHEN 'personnel_type' THEN personnel_type
           ELSE 'all'
       END AS group_code,
       earner,
       count(*) AS n,
       sum(delta) AS sum_d,
       sum(delta * delta) AS sum_d2
FROM attrs
WHERE ($gov_level IS NULL OR gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], agency_code))
  AND ($tier IS NULL OR tier = $tier)
  AND ($personnel_type IS NULL OR personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY group_code, earner;
