-- Purpose: the groups the competency-priority heatmap shows, without computing the scores: per
--          group and competency the number of own-tier points (the `n` of priority_estimates),
--          from which the page picks the groups (and, for agencies, the largest ones after
--          suppression) exactly as it does from the scores.
-- Grain: one row per (grp, category, competency_code), ordered by grp (as priority_estimates).
-- Parameters: as priority_estimates ($wave, $gov_level, $agencies, $tier, $workgroup,
--   $personnel_type, $group_by).
-- params: {"wave": "2025", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
SELECT
    CASE $group_by
        WHEN 'tier' THEN m.tier
        WHEN 'gov_level' THEN m.gov_level
        WHEN 'workgroup' THEN m.workgroup
        WHEN 'personnel_type' THEN m.personnel_type
        WHEN 'agency' THEN m.agency_code
        ELSE 'all'
    END AS grp,
    m.category,
    m.competency_code,
    count(*) AS n
FROM mart_ai_gap_points AS m
WHERE m.wave = $wave
  AND ($gov_level IS NULL OR m.gov_level = $gov_level)
  AND ($agencies IS NULL OR list_contains($agencies, m.agency_code))
  AND ($tier IS NULL OR m.tier = $tier)
  AND ($workgroup IS NULL OR m.workgroup = $workgroup)
  AND ($personnel_type IS NULL OR m.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY grp NULLS LAST, m.category, m.competency_code;
