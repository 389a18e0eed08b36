-- Purpose: the precomputed cells of several agencies, one agency at a time, with their sums, for
--          a selection of several agencies that is not grouped by agency (agency HR with more than
--          one agency): the services add the agencies' cells up and compute scores, intervals,
--          ranks and group N from the totals (services.priority, services.ai_gap). Every other
--          selection reads its finished cells (priority_estimates_cube.sql,
--          priority_groups_cube.sql, ai_gap_priority_cube.sql). One round trip returns both
--          kinds of rows the services need: kind = 'points' (own-tier points per item) and
--          kind = 'respondents' (per group: respondents and their weight sums; no item).
-- Grain: one row per (kind, wave, agency_code, grp, tier, category, competency_code); tier is
--        its own dimension only with $by_tier (else it is summed over unless it groups or
--        filters); category and competency_code are NULL for respondents.
-- Source: mart_priority_agency_cells (etl/sql/125_mart_priority_cube.sql: the agency rows of
--   mart_priority_cube and mart_priority_cube_groups in one table, so one scan).
--   The weighted sums are the cells' exact DECIMAL sums as text: the service adds them up exactly
--   and converts the totals as DuckDB's CAST does, so its scores and ranks (ties too) are the
--   doubles that grouping the points gives. Respondent rows carry FALSE / 0 in the item columns
--   (ai_related, k_min, k_max), so those keep their types.
-- Parameters: $wave, $wave_b (NULL $wave = every wave); $agencies (VARCHAR[], required);
--   $gov_level, $tier, $workgroup, $personnel_type (NULL = all); $group_by (tier | gov_level |
--   workgroup | personnel_type | all; a value, never SQL text); $by_tier (BOOLEAN: keep tiers
--   apart, as the AI-gap bars do).
-- params: {"wave": "2025", "wave_b": null, "agencies": ["C3005", "C3018"], "gov_level": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier", "by_tier": false}
SELECT
    c.kind,
    c.wave,
    c.agency_code,
    CASE $group_by
        WHEN 'tier' THEN c.tier
        WHEN 'gov_level' THEN c.gov_level
        WHEN 'workgroup' THEN c.workgroup
        WHEN 'personnel_type' THEN c.personnel_type
        ELSE 'all'
    END AS grp,
    c.tier,
    c.category,
    c.competency_code,
    c.ai_related,
    c.n,
    CAST(c.exact_w AS VARCHAR) AS sum_w,
    CAST(c.exact_w2 AS VARCHAR) AS sum_w2,
    CAST(c.exact_wx AS VARCHAR) AS sum_wx,
    CAST(c.exact_wx2 AS VARCHAR) AS sum_wx2,
    c.sum_x,
    c.sum_x2,
    c.k_min,
    c.k_max,
    c.category_order
FROM mart_priority_agency_cells AS c
WHERE ($wave IS NULL OR c.wave = $wave OR c.wave = $wave_b)
  AND list_contains($agencies, c.agency_code)
  AND c.all_gov = ($group_by <> 'gov_level' AND $gov_level IS NULL)
  AND ($gov_level IS NULL OR c.gov_level = $gov_level)
  AND c.all_tier = (NOT $by_tier AND $group_by <> 'tier' AND $tier IS NULL)
  AND ($tier IS NULL OR c.tier = $tier)
  AND c.all_wg = ($group_by <> 'workgroup' AND $workgroup IS NULL)
  AND ($workgroup IS NULL OR c.workgroup = $workgroup)
  AND c.all_pt = ($group_by <> 'personnel_type' AND $personnel_type IS NULL)
  AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type);
