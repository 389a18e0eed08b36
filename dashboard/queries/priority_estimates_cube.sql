-- Purpose: priority_estimates.sql read from the precomputed cells (mart_priority_cube,
--          etl/sql/125_mart_priority_cube.sql) instead of grouping the points: the same rows,
--          columns, types, doubles and order, for every selection except several agencies that
--          are not grouped by agency (the cells of several agencies cannot be summed into ranks:
--          that selection is an error here, and the service runs priority_estimates.sql).
-- Grain: one row per (wave, grp, category, competency_code), ordered by wave, grp, category
--        (common, technical, management), rank, competency_code.
-- Parameters: as priority_estimates.sql: $wave, $wave_b, $gov_level, $agencies, $tier,
--   $workgroup, $personnel_type, $group_by, $groups, $weighted, $z.
-- params: {"wave": "2025", "wave_b": null, "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier", "groups": null, "weighted": true, "z": 1.959963984540054}
WITH cells AS (
    SELECT
        c.*,
        CASE $group_by
            WHEN 'tier' THEN c.tier
            WHEN 'gov_level' THEN c.gov_level
            WHEN 'workgroup' THEN c.workgroup
            WHEN 'personnel_type' THEN c.personnel_type
            WHEN 'agency' THEN c.agency_code
            ELSE 'all'
        END AS grp,
        CASE WHEN $weighted THEN c.score_w ELSE c.score_u END AS score,
        CASE WHEN $weighted THEN c.se_w ELSE c.se_u END AS se
    FROM mart_priority_cube AS c
    -- the cells of this selection: a dimension is summed over unless it groups or filters
    WHERE (c.wave = $wave OR c.wave = $wave_b)
      AND CASE WHEN len($agencies) > 1 AND $group_by <> 'agency'
               THEN error('priority_estimates_cube: several agencies not grouped by agency') ELSE TRUE END
      AND c.all_agency = ($agencies IS NULL AND $group_by <> 'agency')
      AND ($agencies IS NULL OR list_contains($agencies, c.agency_code))
      AND c.all_gov = ($group_by <> 'gov_level' AND $gov_level IS NULL)
      AND ($gov_level IS NULL OR c.gov_level = $gov_level)
      AND c.all_tier = ($group_by <> 'tier' AND $tier IS NULL)
      AND ($tier IS NULL OR c.tier = $tier)
      AND c.all_wg = ($group_by <> 'workgroup' AND $workgroup IS NULL)
      AND ($workgroup IS NULL OR c.workgroup = $workgroup)
      AND c.all_pt = ($group_by <> 'personnel_type' AND $personnel_type IS NULL)
      AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
)
SELECT
    wave,
    grp,
    category,
    competency_code,
    ai_related,
    n,
    score,
    se,
    score - $z * se AS ci_low,
    score + $z * se AS ci_high,
    CASE WHEN $weighted THEN n_eff_w ELSE n_eff_u END AS n_eff,
    -- No rank in the NULL group (as priority_estimates.sql).
    CASE WHEN grp IS NOT NULL THEN CASE WHEN $weighted THEN rank_w ELSE rank_u END END AS rank,
    k_min,
    k_max,
    category_order
FROM cells
WHERE $groups IS NULL OR list_contains($groups, grp)
ORDER BY wave, grp NULLS LAST, category_order, rank NULLS LAST, competency_code;
