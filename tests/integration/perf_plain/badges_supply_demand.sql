-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/badges_supply_demand.sql as it was before the ai_gap/supply marts; same parameters and columns.
-- Floating-point sums are exact (DECIMAL), as in the dashboard query (docs/dashboard.md).
-- Purpose: supply against demand per tier and IT-position competency: demand = mean Borda score in
--          the survey wave (own-tier part) and its index against the category mean of that tier;
--          supply = staff of that tier in the roster month holding a valid award aligned to the
--          competency, per 100 staff of the tier (mart 110_mart_badges_coverage;
--          holdings computed inline, as the removed mart 111 did).
-- Grain: one row per tier x competency_code (surveyed competencies of the tier).
-- Parameters: $wave (survey wave; NULL = latest), $month (DATE; NULL = latest roster month),
--   $gov_level, $agencies (VARCHAR[]; NULL = all), $tier, $workgroup (survey side only),
--   $personnel_type, $weighted.
-- params: {"wave": null, "month": null, "gov_level": null, "agencies": null, "tier": null, "workgroup": null, "personnel_type": null, "weighted": true}
WITH w AS (
    SELECT coalesce($wave, (SELECT max(wave) FROM survey_respondent)) AS wave
),
resp AS (
    SELECT r.wave, r.respondent_id, r.tier, CASE WHEN $weighted THEN r.weight ELSE 1.0 END AS wt
    FROM survey_respondent AS r, w
    WHERE r.wave = w.wave
      AND ($gov_level IS NULL OR r.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], r.agency_code))
      AND ($tier IS NULL OR r.tier = $tier)
      AND ($workgroup IS NULL OR r.workgroup = $workgroup)
      AND ($personnel_type IS NULL OR r.personnel_type = $personnel_type)
),
demand AS (
    SELECT r.tier, p.category, p.competency_code, count(*) AS n,
           CAST(sum(CAST(r.wt * p.points AS DECIMAL(38, 12))) AS DOUBLE) / CAST(sum(CAST(r.wt AS DECIMAL(38, 12))) AS DOUBLE) AS score
    FROM resp AS r
    JOIN survey_competency_points AS p
      ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
    GROUP BY r.tier, p.category, p.competency_code
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
    -- the former mart_badges_holding (111), for the one month: valid awards at its last day
    SELECT sm.tier, al.competency_code, count(DISTINCT sm.staff_key) AS holders
    FROM staff_month AS sm
    JOIN m ON sm.month = m.month
    JOIN badge_award AS a ON a.staff_key = sm.staff_key
    JOIN badge_alignment AS al ON al.badge_code = a.badge_code
    WHERE a.awarded_on <= last_day(sm.month)
      AND (a.revoked_on IS NULL OR a.revoked_on > last_day(sm.month))
      AND (a.valid_until IS NULL OR a.valid_until >= last_day(sm.month))
      AND ($gov_level IS NULL OR sm.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], sm.agency_code))
      AND ($tier IS NULL OR sm.tier = $tier)
      AND ($personnel_type IS NULL OR sm.personnel_type = $personnel_type)
    GROUP BY sm.tier, al.competency_code
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
