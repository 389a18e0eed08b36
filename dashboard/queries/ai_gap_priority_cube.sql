-- Purpose: ai_gap_priority.sql for a selection of all agencies or of one agency, read from the
--          cells precomputed for every agency x gov_level x work group x personnel type filter
--          and grouping
--          (mart_ai_gap_priority_cube, etl/sql/113_mart_ai_gap_survey.sql) instead of grouping
--          the points: the same rows, columns, types, numbers and order.
-- Grain: one row per wave x tier x group_code x category x competency_code.
-- Parameters: $group_by ('national' | 'gov_level' | 'workgroup' | 'personnel_type'),
--   $gov_level, $agencies (NULL = all, or one agency code: several are an error here, and
--   ai_gap_priority.sql handles them), $tier, $workgroup, $personnel_type (NULL = all),
--   $weighted (TRUE = raked weights, FALSE = one per respondent).
-- params: {"group_by": "national", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
SELECT c.wave, c.tier,
       CASE $group_by
           WHEN 'gov_level' THEN c.gov_level
           WHEN 'workgroup' THEN c.workgroup
           WHEN 'personnel_type' THEN c.personnel_type
           ELSE 'all'
       END AS group_code,
       c.category, c.competency_code, c.ai_related, c.n,
       CASE WHEN $weighted THEN c.sum_w ELSE c.sum_1 END AS sum_w,
       CASE WHEN $weighted THEN c.sum_w2 ELSE c.sum_1 END AS sum_w2,
       CASE WHEN $weighted THEN c.score_w ELSE c.score_u END AS score,
       c.k,
       CASE WHEN $weighted THEN c.rank_w ELSE c.rank_u END AS rank,
       c.n_items,
       CASE WHEN $weighted THEN c.category_mean_w ELSE c.category_mean_u END AS category_mean
FROM mart_ai_gap_priority_cube AS c
-- the cube's cell of this selection: a dimension is summed over unless it groups or filters
WHERE CASE WHEN len($agencies::VARCHAR[]) > 1
           THEN error('ai_gap_priority_cube: several agencies') ELSE TRUE END
  AND c.all_agency = ($agencies::VARCHAR[] IS NULL)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
  AND c.all_gov = ($group_by <> 'gov_level' AND $gov_level IS NULL)
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND c.all_wg = ($group_by <> 'workgroup' AND $workgroup IS NULL)
  AND ($workgroup IS NULL OR c.workgroup = $workgroup)
  AND c.all_pt = ($group_by <> 'personnel_type' AND $personnel_type IS NULL)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
  AND ($tier IS NULL OR c.tier = $tier)
ORDER BY c.wave, c.tier, group_code, c.category, rank, c.competency_code;
