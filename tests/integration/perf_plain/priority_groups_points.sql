-- Plain form, not served: the query as it grouped the points on every call, before the cells
-- (etl/sql/113 and 125) answered every selection; the tests compare the served queries with it.
-- Purpose: the groups of the competency-priority explorer, grouped from the respondents and their
--          own-tier points on request: per group the respondents (n), their weight sum and Kish
--          effective n (the N shown next to every figure), and what suppression needs to know
--          about the heatmap's cells without computing the scores: the largest and the smallest
--          number of own-tier points of any competency (the `n` of priority_estimates' cells;
--          NULL for a group without points).
-- Grain: one row per grp, ordered by grp (NULL last).
-- Parameters: $wave; $gov_level, $tier, $workgroup, $personnel_type (NULL = all);
--   $agencies (VARCHAR[] of agency codes, NULL = all); $group_by (tier | gov_level | workgroup |
--   personnel_type | agency | all) chooses the grouping column (a value, never SQL text).
-- params: {"wave": "2025", "gov_level": null, "agencies": ["C3005", "C3018"], "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
WITH respondents AS (
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
        CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE)
            * CAST(sum(CAST(r.weight AS DECIMAL(38, 12))) AS DOUBLE)
            / CAST(sum(CAST(r.weight * r.weight AS DECIMAL(38, 12))) AS DOUBLE) AS n_eff
    FROM survey_respondent AS r
    WHERE r.wave = $wave
      AND ($gov_level IS NULL OR r.gov_level = $gov_level)
      AND ($agencies IS NULL OR list_contains($agencies, r.agency_code))
      AND ($tier IS NULL OR r.tier = $tier)
      AND ($workgroup IS NULL OR r.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
    GROUP BY ALL
),
cells AS (
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
    SELECT grp, max(n) AS n_max, min(n) AS n_min FROM cells GROUP BY grp
)
SELECT r.grp, r.n, r.sum_w, r.n_eff, b.n_max, b.n_min
FROM respondents AS r
LEFT JOIN bounds AS b ON b.grp IS NOT DISTINCT FROM r.grp
ORDER BY r.grp NULLS LAST;
