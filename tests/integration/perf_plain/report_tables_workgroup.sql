-- Test reference, not served: the query as it grouped the points on every call, before the
-- mart (etl/sql/124_mart_report_tables.sql); tests/integration/test_survey_cubes.py compares.
-- Purpose: Tables 23-25 (and the means of Table 26) rebuilt live: unweighted mean Borda points
--          per work group, tier column, category and competency, as Table 26 computes them.
-- Grain: one row per (workgroup, tier, category, competency_code); respondents without a work
--        group are left out, as in the report. `tier` is the report's column: basic = part 1-1
--        of basic respondents, senior = part 1-3 of seniors, middle = part 1-2 of middle AND
--        senior respondents (CHECKS D14: Table 26's 中階 means are multiples of 1/N for
--        N = middle + senior of a group).
-- Parameters: $wave (the survey wave).
-- params: {"wave": "2025"}
SELECT
    r.workgroup,
    p.part_tier AS tier,
    p.category,
    p.competency_code,
    count(*) AS n,
    avg(p.points) AS score
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id
 AND (p.part_tier = r.tier OR (p.part_tier = 'middle' AND r.tier = 'senior'))
WHERE r.wave = $wave AND r.workgroup IS NOT NULL
GROUP BY r.workgroup, p.part_tier, p.category, p.competency_code
ORDER BY r.workgroup, p.part_tier, p.category, p.competency_code;
