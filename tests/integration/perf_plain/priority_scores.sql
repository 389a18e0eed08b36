-- Test reference, not served: the sufficient statistics the service once turned into estimates
-- in pandas (tests/integration/test_s3_priority.py compares priority_estimates.sql with it).
-- Purpose: sufficient statistics of the competency-priority (Borda) score per group and
--          competency, from each respondent's own-tier part (part_tier = respondent's tier):
--          counts, sums of weights, weighted points and squares; the service turns them into
--          means, Kish effective n and 95 % intervals.
-- Grain: one row per (grp, category, competency_code).
-- Parameters: $wave; $gov_level, $tier, $workgroup, $personnel_type (NULL = all);
--   $agencies (VARCHAR[] of agency codes, NULL = all); $group_by (tier | gov_level | workgroup |
--   personnel_type | agency | all) chooses the grouping column (a value, never SQL text).
-- params: {"wave": "2025", "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "group_by": "tier"}
WITH resp AS (
    SELECT
        r.respondent_id,
        r.tier,
        r.weight,
        CASE $group_by
            WHEN 'tier' THEN r.tier
            WHEN 'gov_level' THEN r.gov_level
            WHEN 'workgroup' THEN r.workgroup
            WHEN 'personnel_type' THEN r.personnel_type
            WHEN 'agency' THEN r.agency_code
            ELSE 'all'
        END AS grp
    FROM survey_respondent AS r
    WHERE r.wave = $wave
      AND ($gov_level IS NULL OR r.gov_level = $gov_level)
      AND ($agencies IS NULL OR list_contains($agencies, r.agency_code))
      AND ($tier IS NULL OR r.tier = $tier)
      AND ($workgroup IS NULL OR r.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
)
SELECT
    resp.grp,
    p.category,
    p.competency_code,
    count(*) AS n,
    CAST(sum(CAST(resp.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w,
    CAST(sum(CAST(resp.weight * resp.weight AS DECIMAL(38, 12))) AS DOUBLE) AS sum_w2,
    CAST(sum(CAST(resp.weight * p.points AS DECIMAL(38, 12))) AS DOUBLE) AS sum_wx,
    CAST(sum(CAST(resp.weight * p.points * p.points AS DECIMAL(38, 12))) AS DOUBLE) AS sum_wx2,
    sum(p.points) AS sum_x,
    sum(p.points * p.points) AS sum_x2,
    min(p.k) AS k_min,
    max(p.k) AS k_max
FROM resp
JOIN survey_competency_points AS p
  ON p.wave = $wave AND p.respondent_id = resp.respondent_id AND p.part_tier = resp.tier
GROUP BY resp.grp, p.category, p.competency_code
ORDER BY resp.grp, p.category, p.competency_code;
