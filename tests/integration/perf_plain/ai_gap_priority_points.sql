-- Plain form, not served: the query as it grouped the points on every call, before the cells
-- (etl/sql/113 and 125) answered every selection; the tests compare the served queries with it.
-- Purpose: mean Borda score and within-category rank of every surveyed competency per wave, tier
--          and group (own-tier part of the priority survey); the AI-readiness gap bars and the
--          supply/demand chart keep the AI items (ranks need all items of the category).
--          Reads the own-tier points already joined to their respondent (mart_ai_gap_points,
--          etl/sql/113_mart_ai_gap_survey.sql).
-- Grain: one row per wave x tier x group_code x category x competency_code.
-- Parameters: $group_by ('national' | 'gov_level' | 'workgroup' | 'personnel_type'),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $workgroup, $personnel_type (NULL = all),
--   $weighted (TRUE = raked weights, FALSE = one per respondent).
-- params: {"group_by": "national", "gov_level": null, "agencies": ["C3005", "C3018"], "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
WITH cells AS (
    SELECT p.wave, p.tier,
           CASE $group_by
               WHEN 'gov_level' THEN p.gov_level
               WHEN 'workgroup' THEN coalesce(p.workgroup, 'unknown')
               WHEN 'personnel_type' THEN p.personnel_type
               ELSE 'all'
           END AS group_code,
           p.category, p.competency_code,
           any_value(p.ai_related) AS ai_related,
           count(*) AS n,
           CAST(sum(CAST(CASE WHEN $weighted THEN p.weight ELSE 1.0 END AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
           CAST(sum(CAST(CASE WHEN $weighted THEN p.weight * p.weight ELSE 1.0 END AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
           CAST(sum(CAST(CASE WHEN $weighted THEN p.weight * p.points ELSE p.points END AS DECIMAL(38, 12))) AS DOUBLE)
               / CAST(sum(CAST(CASE WHEN $weighted THEN p.weight ELSE 1.0 END AS DECIMAL(38, 12))) AS DOUBLE) AS score,
           max(p.k) AS k
    FROM mart_ai_gap_points AS p
    WHERE ($gov_level IS NULL OR p.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], p.agency_code))
      AND ($tier IS NULL OR p.tier = $tier)
      AND ($workgroup IS NULL OR p.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR p.personnel_type = $personnel_type)
    GROUP BY ALL
)
SELECT c.wave, c.tier, c.group_code, c.category, c.competency_code, c.ai_related,
       c.n, c.sum_w, c.sum_w2, c.score, c.k,
       rank() OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category ORDER BY c.score DESC) AS rank,
       count(*) OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category) AS n_items,
       avg(CAST(c.score AS DECIMAL(38, 12))) OVER (PARTITION BY c.wave, c.tier, c.group_code, c.category) AS category_mean
FROM cells AS c
ORDER BY c.wave, c.tier, c.group_code, c.category, rank, c.competency_code;
