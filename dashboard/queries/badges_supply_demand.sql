-- Purpose: supply against demand per tier and IT-position competency: demand = mean Borda score in
--          the survey wave (own-tier part) and its index against the category mean of that tier;
--          supply = staff of that tier in the roster month holding a valid award aligned to the
--          competency, per 100 staff of the tier (marts 110/115_mart_badges_*,
--          113_mart_ai_gap_survey).
-- Grain: one row per tier x competency_code (surveyed competencies of the tier).
-- Parameters: $wave (survey wave; NULL = latest), $month (DATE; NULL = latest roster month),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $workgroup (survey side only),
--   $personnel_type, $weighted.
-- params: {"wave": null, "month": null, "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
WITH w AS (
    SELECT coalesce($wave, (SELECT max(wave) FROM survey_respondent)) AS wave
),
demand AS (
    -- own-tier points joined to their respondent: mart_ai_gap_points (etl/sql/113_mart_ai_gap_survey.sql)
    SELECT p.tier, p.category, p.competency_code, count(*) AS n,
           CAST(sum(CAST(CASE WHEN $weighted THEN p.weight * p.points ELSE p.points END AS DECIMAL(38, 12))) AS DOUBLE)
               / CAST(sum(CAST(CASE WHEN $weighted THEN p.weight ELSE 1.0 END AS DECIMAL(38, 12))) AS DOUBLE) AS score
    FROM mart_ai_gap_points AS p, w
    WHERE p.wave = w.wave
      AND ($gov_level IS NULL OR p.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], p.agency_code))
      AND ($tier IS NULL OR p.tier = $tier)
      AND ($workgroup IS NULL OR p.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR p.personnel_type = $personnel_type)
    GROUP BY p.tier, p.category, p.competency_code
),
demand_idx AS (
    SELECT d.*, avg(CAST(d.score AS DECIMAL(38, 12))) OVER (PARTITION BY d.tier, d.category) AS category_mean
    FROM demand AS d
),
m AS (
    SELECT coalesce(CAST($month AS DATE), (SELECT max(month) FROM roster_month)) AS month
),
heads AS (
    SELECT c.tier, sum(c.headcount) AS headcount
    FROM mart_badges_coverage AS c, m
    WHERE c.month = m.month
      AND ($gov_level IS NULL OR c.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], c.agency_code))
      AND ($tier IS NULL OR c.tier = $tier)
      AND ($personnel_type IS NULL OR c.personnel_type = $personnel_type)
    GROUP BY c.tier
),
supply AS (
    -- distinct holders per cell: mart_badges_supply (etl/sql/115_mart_badges_supply.sql)
    SELECT s.tier, s.competency_code, CAST(sum(s.holders) AS BIGINT) AS holders
    FROM mart_badges_supply AS s, m
    WHERE s.month = m.month
      AND ($gov_level IS NULL OR s.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], s.agency_code))
      AND ($tier IS NULL OR s.tier = $tier)
      AND ($personnel_type IS NULL OR s.personnel_type = $personnel_type)
    GROUP BY s.tier, s.competency_code
)
SELECT (SELECT wave FROM w) AS wave, (SELECT month FROM m) AS month,
       d.tier, d.category, d.competency_code, c.ai_related,
       d.n, d.score, d.category_mean, d.score / nullif(d.category_mean, 0) AS demand_index,
       coalesce(h.headcount, 0) AS headcount,
       coalesce(s.holders, 0) AS holders,
       100.0 * coalesce(s.holders, 0) / nullif(h.headcount, 0) AS per100
FROM demand_idx AS d
JOIN competency AS c ON c.competency_code = d.competency_code
LEFT JOIN heads AS h ON h.tier = d.tier
LEFT JOIN supply AS s ON s.tier = d.tier AND s.competency_code = d.competency_code
ORDER BY d.tier, d.category, d.competency_code;
