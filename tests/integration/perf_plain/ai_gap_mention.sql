-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/ai_gap_mention.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Floating-point sums are exact (DECIMAL), as in the dashboard query (docs/dashboard.md).
-- Purpose: the "AI mention rate": share of respondents who ranked at least one AI-related item
--          (competency.ai_related) anywhere in the top-k of their own-tier part, per wave and group.
-- Grain: one row per wave x group_code (sums of weights so the service can form p and Kish n_eff).
-- Parameters: $group_by ('national' | 'tier' | 'gov_level' | 'workgroup' | 'personnel_type'),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $workgroup, $personnel_type, $weighted.
-- params: {"group_by": "tier", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
WITH resp AS (
    SELECT r.wave, r.respondent_id, r.tier,
           CASE $group_by
               WHEN 'tier' THEN r.tier
               WHEN 'gov_level' THEN r.gov_level
               WHEN 'workgroup' THEN coalesce(r.workgroup, 'unknown')
               WHEN 'personnel_type' THEN r.personnel_type
               ELSE 'all'
           END AS group_code,
           CASE WHEN $weighted THEN r.weight ELSE 1.0 END AS w
    FROM survey_respondent AS r
    WHERE ($gov_level IS NULL OR r.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], r.agency_code))
      AND ($tier IS NULL OR r.tier = $tier)
      AND ($workgroup IS NULL OR r.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
),
mention AS (
    SELECT r.wave, r.respondent_id,
           bool_or(p.rank IS NOT NULL AND m.ai_related) AS mentioned
    FROM resp AS r
    JOIN survey_competency_points AS p
      ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
    JOIN competency AS m ON m.competency_code = p.competency_code
    GROUP BY r.wave, r.respondent_id
)
SELECT r.wave, r.group_code,
       count(*) AS n,
       sum(CASE WHEN x.mentioned THEN 1 ELSE 0 END) AS n_mentioned,
       CAST(sum(CAST(r.w AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
       CAST(sum(CAST(r.w * r.w AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
       CAST(sum(CAST(CASE WHEN x.mentioned THEN r.w ELSE 0 END AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w_mentioned
FROM resp AS r
JOIN mention AS x ON x.wave = r.wave AND x.respondent_id = r.respondent_id
GROUP BY r.wave, r.group_code
ORDER BY r.wave, r.group_code;
