-- Purpose: respondents and the Kish effective sample size per group, for the N shown next to
--          every figure of the competency-priority explorer.
-- Grain: one row per grp.
-- Parameters: as priority_scores ($wave, $gov_level, $agencies, $tier, $workgroup,
--   $personnel_type, $group_by).
-- params: {"wave": "2025", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "gov_level"}
SELECT
    CASE $group_by
        WHEN 'tier' THEN r.tier
        WHEN 'gov_level' THEN r.gov_level
        WHEN 'workgroup' THEN r.workgroup
        WHEN 'personnel_type' THEN r.personnel_type
        WHEN 'agency' THEN r.agency_code
        ELSE 'all'
    END AS grp,
    count(*) AS n,
    CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
    CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE) * CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE) / CAST(sum(CAST(r.weight * r.weight AS DECIMAL(38, 12))) AS DOUBLE) AS n_eff
FROM survey_respondent AS r
WHERE r.wave = $wave
  AND ($gov_level IS NULL OR r.gov_level = $gov_level)
  AND ($agencies IS NULL OR list_contains($agencies, r.agency_code))
  AND ($tier IS NULL OR r.tier = $tier)
  AND ($workgroup IS NULL OR r.workgroup = $workgroup)
  AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY n DESC;
