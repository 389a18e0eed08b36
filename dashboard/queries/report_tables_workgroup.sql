-- Purpose: Tables 23-25 (and the means of Table 26) rebuilt live: unweighted mean Borda points
--          per work group, tier, category and competency (own-tier part).
-- Grain: one row per (workgroup, tier, category, competency_code); respondents without a work
--        group are left out, as in the report.
-- Parameters: $wave (the survey wave).
-- params: {"wave": "2025"}
SELECT
    r.workgroup,
    r.tier,
    p.category,
    p.competency_code,
    count(*) AS n,
    avg(p.points) AS score
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
WHERE r.wave = $wave AND r.workgroup IS NOT NULL
GROUP BY r.workgroup, r.tier, p.category, p.competency_code
ORDER BY r.workgroup, r.tier, p.category, p.competency_code;
