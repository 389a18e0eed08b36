-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/ai_gap_borich.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Purpose: sums for Borich's mean weighted discrepancy score (importance - proficiency, weighted
--          by mean importance) and for the importance-performance chart, per competency and group
--          of one self-assessment wave. Group attributes come from the roster month of the wave.
-- Grain: one row per group_code x competency_code (respondents with both answers).
-- Parameters: $sa_wave (e.g. '2025-10'), $group_by ('national' | 'tier' | 'gov_level' |
--   'personnel_type'), $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"sa_wave": "2025-10", "group_by": "national", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH resp AS (
    SELECT s.wave, s.respondent_key,
           coalesce(sm.agency_code, s.agency_code) AS agency_code,
           coalesce(sm.gov_level, a.gov_level, 'unknown') AS gov_level,
           coalesce(sm.tier, 'unknown') AS tier,
           coalesce(sm.personnel_type, 'unknown') AS personnel_type
    FROM selfassessment_respondent AS s
    LEFT JOIN staff_history AS sm  -- the stretch covering the wave's month (as staff_month)
      ON sm.staff_key = s.staff_key
     AND sm.valid_from <= CAST(s.wave || '-01' AS DATE)
     AND (sm.valid_to IS NULL OR sm.valid_to >= CAST(s.wave || '-01' AS DATE))
    LEFT JOIN agency AS a ON a.agency_code = s.agency_code
    WHERE s.wave = $sa_wave
),
scoped AS (
    SELECT r.*,
           CASE $group_by
               WHEN 'tier' THEN r.tier
               WHEN 'gov_level' THEN r.gov_level
               WHEN 'personnel_type' THEN r.personnel_type
               ELSE 'all'
           END AS group_code
    FROM resp AS r
    WHERE ($gov_level IS NULL OR r.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], r.agency_code))
      AND ($tier IS NULL OR r.tier = $tier)
      AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
)
SELECT r.group_code, i.competency_code, m.category,
       count(*) AS n,
       sum(i.importance) AS sum_i,
       sum(i.proficiency) AS sum_p,
       sum(i.importance * i.importance) AS sum_i2,
       sum(i.proficiency * i.proficiency) AS sum_p2
FROM scoped AS r
JOIN selfassessment_item AS i ON i.wave = r.wave AND i.respondent_key = r.respondent_key
JOIN competency AS m ON m.competency_code = i.competency_code
WHERE i.importance IS NOT NULL AND i.proficiency IS NOT NULL
GROUP BY r.group_code, i.competency_code, m.category
ORDER BY r.group_code, i.competency_code;
