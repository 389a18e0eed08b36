-- Purpose: priority_groups.sql read from the precomputed cells (mart_priority_cube_groups,
--          etl/sql/125_mart_priority_cube.sql): the same rows, types and numbers, for every
--          selection except several agencies not grouped by agency (an error here; the service
--          runs priority_groups.sql on the points for those).
-- Grain: one row per grp, ordered by grp (NULL last).
-- Parameters: as priority_groups.sql ($wave, $gov_level, $agencies, $tier, $workgroup,
--   $personnel_type, $group_by).
-- params: {"wave": "2025", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
SELECT
    CASE $group_by
        WHEN 'tier' THEN c.tier
        WHEN 'gov_level' THEN c.gov_level
        WHEN 'workgroup' THEN c.workgroup
        WHEN 'personnel_type' THEN c.personnel_type
        WHEN 'agency' THEN c.agency_code
        ELSE 'all'
    END AS grp,
    c.n,
    c.sum_w,
    c.n_eff,
    c.n_max,
    c.n_min
FROM mart_priority_cube_groups AS c
WHERE c.wave = $wave
  AND CASE WHEN len($agencies) > 1 AND $group_by <> 'agency'
           THEN error('priority_groups_cube: several agencies not grouped by agency') ELSE TRUE END
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
ORDER BY grp NULLS LAST;
