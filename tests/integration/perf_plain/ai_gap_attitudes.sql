-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/ai_gap_attitudes.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Purpose: mean agreement (1-5) with the five AI attitudes per group of one self-assessment wave,
--          as sums so the service can form means and intervals.
-- Grain: one row per group_code x attitude_code.
-- Parameters: $sa_wave, $group_by ('national' | 'tier' | 'gov_level' | 'personnel_type'),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"sa_wave": "2025-10", "group_by": "tier", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
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
SELECT r.group_code, t.attitude_code,
       count(*) AS n,
       sum(t.score) AS sum_x,
       sum(t.score * t.score) AS sum_x2
FROM scoped AS r
JOIN selfassessment_attitude AS t ON t.wave = r.wave AND t.respondent_key = r.respondent_key
WHERE t.score IS NOT NULL
GROUP BY r.group_code, t.attitude_code
ORDER BY r.group_code, t.attitude_code;
