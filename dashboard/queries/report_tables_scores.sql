-- Purpose: Tables 19-22 of the 2025 report rebuilt live: unweighted mean Borda points (the
--          report's own definition) per scope (national and each government level), tier,
--          category and competency, from each respondent's own-tier part.
-- Grain: one row per (scope, tier, category, competency_code); scope = national | central |
--        municipal | county.
-- Parameters: $wave (the survey wave, e.g. '2025').
-- params: {"wave": "2025"}
SELECT
    CASE WHEN grouping(r.gov_level) = 1 THEN 'national' ELSE r.gov_level END AS scope,
    r.tier,
    p.category,
    p.competency_code,
    count(*) AS n,
    avg(p.points) AS score
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
WHERE r.wave = $wave
GROUP BY GROUPING SETS ((r.gov_level, r.tier, p.category, p.competency_code), (r.tier, p.category, p.competency_code))
ORDER BY scope, r.tier, p.category, p.competency_code;
