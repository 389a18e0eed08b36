-- Purpose: the respondents of several agencies' groups, one agency at a time, with their sums of
--          weights and squared weights, for a selection of several agencies not grouped by agency:
--          the service adds them up (respondents, Kish n_eff) per group. Every other selection
--          reads priority_groups_cube.sql.
-- Grain: one row per (agency_code, grp).
-- Source: mart_priority_cube_groups (etl/sql/125_mart_priority_cube.sql).
--   The weighted sums are the cells' exact DECIMAL sums as text: the service adds them up exactly
--   and converts the totals as DuckDB's CAST does, so its scores and ranks (ties too) are the
--   doubles that grouping the points gives.
-- Parameters: $wave; $agencies (VARCHAR[], required); $gov_level, $tier, $workgroup,
--   $personnel_type (NULL = all); $group_by (tier | gov_level | workgroup | personnel_type | all).
-- params: {"wave": "2025", "agencies": ["C3005", "C3018"], "gov_level": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
SELECT
    c.agency_code,
    CASE $group_by
        WHEN 'tier' THEN c.tier
        WHEN 'gov_level' THEN c.gov_level
        WHEN 'workgroup' THEN c.workgroup
        WHEN 'personnel_type' THEN c.personnel_type
        ELSE 'all'
    END AS grp,
    c.n,
    CAST(c.exact_w AS VARCHAR) AS sum_w,
    CAST(c.exact_w2 AS VARCHAR) AS sum_w2
FROM mart_priority_cube_groups AS c
WHERE c.wave = $wave
  AND NOT c.all_agency
  AND list_contains($agencies, c.agency_code)
  AND c.all_gov = ($group_by <> 'gov_level' AND $gov_level IS NULL)
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND c.all_tier = ($group_by <> 'tier' AND $tier IS NULL)
  AND ($tier IS NULL OR c.tier = $tier)
  AND c.all_wg = ($group_by <> 'workgroup' AND $workgroup IS NULL)
  AND ($workgroup IS NULL OR c.workgroup = $workgroup)
  AND c.all_pt = ($group_by <> 'personnel_type' AND $personnel_type IS NULL)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
ORDER BY c.agency_code, grp NULLS LAST;
