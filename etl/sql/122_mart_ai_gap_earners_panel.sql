-- Purpose: the earners comparison of /ai-gap and /summary precomputed per pair of self-assessment
--          waves: people who answered both waves (mart_ai_gap_sa_person), their change in mean
--          self-assessed proficiency, whether they earned an AI badge in between
--          (mart_ai_gap_earners), summed per cell of first-wave attributes. Same rules as the
--          former inline query of dashboard/queries/ai_gap_earners.sql; every ordered pair of waves
--          is present (a later -> earlier or same-wave pair has no earners). n is exact; sum_d and
--          sum_d2 are float sums in staff_key order (their last bits may differ from another order).
-- Grain: one row per wave_from x wave_to x agency_code x gov_level x tier x personnel_type x earner.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_ai_gap_earners_panel AS
WITH later AS (
    SELECT DISTINCT wave, staff_key, mean_p FROM mart_ai_gap_sa_person
),
panel AS (
    SELECT a.wave AS wave_from, b.wave AS wave_to, a.staff_key, b.mean_p - a.mean_p AS delta,
           a.agency_code, a.gov_level, a.tier, a.personnel_type
    FROM mart_ai_gap_sa_person AS a
    JOIN later AS b ON b.staff_key = a.staff_key
)
SELECT p.wave_from, p.wave_to, p.agency_code, p.gov_level, p.tier, p.personnel_type,
       e.staff_key IS NOT NULL AS earner,
       count(*) AS n,
       -- ordered sums: the same last bit in every build and load (summation order is fixed)
       sum(p.delta ORDER BY p.staff_key) AS sum_d,
       sum(p.delta * p.delta ORDER BY p.staff_key) AS sum_d2
FROM panel AS p
LEFT JOIN mart_ai_gap_earners AS e
  ON e.wave_from = p.wave_from AND e.wave_to = p.wave_to AND e.staff_key = p.staff_key
GROUP BY ALL
ORDER BY ALL;
