-- Purpose: what suppression needs to know about the groups of the competency-priority heatmap,
--          without computing the scores: per group the largest and the smallest number of
--          own-tier points of any competency (the `n` of priority_estimates' cells). A group's
--          cells are one suppression cell whose N is the largest and which a small N in any
--          row hides, so these two rows decide exactly what the whole frame's rows decide.
-- Grain: two rows per grp (largest, then smallest cell N), ordered by grp (as
--        priority_estimates, so that suppression meets the groups in the same order).
-- Parameters: as priority_estimates ($wave, $gov_level, $agencies, $tier, $workgroup,
--   $personnel_type, $group_by).
-- params: {"wave": "2025", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
WITH cells AS (
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
),
bounds AS (
    SELECT grp, max(n) AS n, 0 AS k FROM cells GROUP BY grp
    UNION ALL
    SELECT grp, min(n) AS n, 1 AS k FROM cells GROUP BY grp
)
SELECT grp, n
FROM bounds
ORDER BY grp NULLS LAST, k;
