-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/ai_gap_priority.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Floating-point sums are exact (DECIMAL), as in the dashboard query (docs/dashboard.md).
-- Purpose: mean Borda score and within-category rank of every surveyed competency per wave, tier
--          and group (own-tier part of the priority survey); the AI-readiness gap bars and the
--          supply/demand chart keep the AI items (ranks need all items of the category).
-- Grain: one row per wave x tier x group_code x category x competency_code.
-- Parameters: $group_by ('national' | 'gov_level' | 'workgroup' | 'personnel_type'),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $workgroup, $personnel_type (NULL = all),
--   $weighted (TRUE = raked weights, FALSE = one per respondent).
-- params: {"group_by": "national", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
WITH resp AS (
    SELECT r.wave, r.respondent_id, r.tier,
           CASE $group_by
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
cells AS (
    SELECT r.wave, r.tier, r.group_code, p.category, p.competency_code,
           count(*) AS n,
           CAST(sum(CAST(r.w AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
           CAST(sum(CAST(r.w * r.w AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
           CAST(sum(CAST(r.w * p.points AS DECIMAL(38, 12))) AS DOUBLE) / CAST(sum(CAST(r.w AS DECIMAL(38, 12))) AS DOUBLE) AS score,
           max(p.k) AS k
    FROM resp AS r
    JOIN survey_competency_points AS p
      ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
    GROUP BY r.wave, r.tier, r.group_code, p.category, p.competency_code
)
SELECT c.wave, c.tier, c.group_code, c.category, c.competency_code, m.ai_related,
       c.n, c.sum_w, c.sum_w2, c.score, c.k,
       rank() OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category ORDER BY c.score DESC) AS rank,
       count(*) OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category) AS n_items,
       avg(CAST(c.score AS DECIMAL(38, 12))) OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category) AS category_mean
FROM cells AS c
JOIN competency AS m ON m.competency_code = c.competency_code
ORDER BY c.wave, c.tier, c.group_code, c.category, rank, c.competency_code;
