-- Purpose: change in mean self-assessed AI proficiency between two self-assessment waves for
--          people who answered both, split by whether they earned an AI badge in between
--          (awarded after the first wave's month began and by the end of the second wave's month,
--          badge aligned to an AI-related competency, not revoked by then).
--          The per-person changes are summed per wave pair and cell in
--          mart_ai_gap_earners_panel (etl/sql/122_mart_ai_gap_earners_panel.sql); this query only
--          filters and sums the cells.
-- Grain: one row per group_code x earner (TRUE/FALSE); sums of the per-person change.
-- Parameters: $wave_from, $wave_to (self-assessment waves, 'YYYY-MM'), $group_by ('national' |
--   'tier' | 'gov_level' | 'personnel_type'; attributes at the first wave's roster month),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"wave_from": "2025-10", "wave_to": "2026-06", "group_by": "national", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT CASE $group_by
           WHEN 'tier' THEN c.tier
           WHEN 'gov_level' THEN c.gov_level
           WHEN 'personnel_type' THEN c.personnel_type
           ELSE 'all'
       END AS group_code,
       c.earner,
       CAST(sum(c.n) AS BIGINT) AS n,
       CAST(sum(CAST(c.sum_d AS DECIMAL(38, 12))) AS DOUBLE) AS sum_d,
       CAST(sum(CAST(c.sum_d2 AS DECIMAL(38, 12))) AS DOUBLE) AS sum_d2
FROM mart_ai_gap_earners_panel AS c
WHERE c.wave_from = $wave_from AND c.wave_to = $wave_to
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
  AND ($tier IS NULL OR c.tier = $tier)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY group_code, c.earner;
