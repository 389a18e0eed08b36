-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/ai_gap_earners.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Purpose: change in mean self-assessed AI proficiency between two self-assessment waves for
--          people who answered both, split by whether they earned an AI badge in between
--          (awarded after the first wave's month began and by the end of the second wave's month,
--          badge aligned to an AI-related competency, not revoked by then).
-- Grain: one row per group_code x earner (TRUE/FALSE); sums of the per-person change.
-- Parameters: $wave_from, $wave_to (self-assessment waves, 'YYYY-MM'), $group_by ('national' |
--   'tier' | 'gov_level' | 'personnel_type'; attributes at the first wave's roster month),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $personnel_type.
-- params: {"wave_from": "2025-10", "wave_to": "2026-06", "group_by": "national", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH bounds AS (
    SELECT CAST($wave_from || '-01' AS DATE) AS d_from,
           last_day(CAST($wave_to || '-01' AS DATE)) AS d_to
),
person_wave AS (
    SELECT s.wave, s.staff_key, avg(i.proficiency) AS mean_p
    FROM selfassessment_respondent AS s
    JOIN selfassessment_item AS i ON i.wave = s.wave AND i.respondent_key = s.respondent_key
    WHERE s.staff_key IS NOT NULL AND s.wave IN ($wave_from, $wave_to) AND i.proficiency IS NOT NULL
    GROUP BY s.wave, s.staff_key
),
panel AS (
    SELECT a.staff_key, b.mean_p - a.mean_p AS delta
    FROM person_wave AS a
    JOIN person_wave AS b ON b.staff_key = a.staff_key AND b.wave = $wave_to
    WHERE a.wave = $wave_from
),
ai_badges AS (
    SELECT DISTINCT ba.badge_code
    FROM badge_alignment AS ba
    JOIN competency AS m ON m.competency_code = ba.competency_code
    JOIN badge_class AS bc ON bc.badge_code = ba.badge_code
    WHERE m.ai_related AND bc.kind = 'badge'
),
earners AS (
    SELECT DISTINCT aw.staff_key
    FROM badge_award AS aw
    JOIN ai_badges USING (badge_code)
    CROSS JOIN bounds AS b
    WHERE aw.awarded_on >= b.d_from AND aw.awarded_on <= b.d_to
      AND (aw.revoked_on IS NULL OR aw.revoked_on > b.d_to)
),
attrs AS (
    SELECT p.staff_key, p.delta, e.staff_key IS NOT NULL AS earner,
           coalesce(sm.agency_code, 'unknown') AS agency_code,
           coalesce(sm.gov_level, 'unknown') AS gov_level,
           coalesce(sm.tier, 'unknown') AS tier,
           coalesce(sm.personnel_type, 'unknown') AS personnel_type
    FROM panel AS p
    LEFT JOIN earners AS e ON e.staff_key = p.staff_key
    LEFT JOIN staff_history AS sm  -- the stretch covering the first wave's month
      ON sm.staff_key = p.staff_key
     AND sm.valid_from <= CAST($wave_from || '-01' AS DATE)
     AND (sm.valid_to IS NULL OR sm.valid_to >= CAST($wave_from || '-01' AS DATE))
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
