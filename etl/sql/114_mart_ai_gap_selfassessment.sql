-- Purpose: self-assessment cells for Borich MWDS and the attitudes chart: each respondent's
--          attributes from the roster stretch covering the wave's month (agency falling back to the
--          answered agency, gov_level to that agency's level, the rest to 'unknown'), summed per
--          cell. Answers are integers (1..5), so sums over any set of cells are exact.
-- Grain: mart_ai_gap_sa_items: wave x agency_code x gov_level x tier x personnel_type x
--        competency_code (answers with both importance and proficiency);
--        mart_ai_gap_sa_attitudes: the same person cells x attitude_code (answered items).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TEMP TABLE _ai_gap_sa_resp AS
SELECT s.wave, s.respondent_key,
       coalesce(sm.agency_code, s.agency_code) AS agency_code,
       coalesce(sm.gov_level, a.gov_level, 'unknown') AS gov_level,
       coalesce(sm.tier, 'unknown') AS tier,
       coalesce(sm.personnel_type, 'unknown') AS personnel_type
FROM selfassessment_respondent AS s
LEFT JOIN staff_history AS sm  -- the stretch covering the wave's month (as staff_month)
  ON sm.staff_key = s.staff_key
 AND sm.valid_from <= CAST(s.wave || '-01' AS DATE)
 AND (sm.valid_to IS NULL OR sm.valid_to >= CAST(s.wave || '-01' AS DATE))
LEFT JOIN agency AS a ON a.agency_code = s.agency_code;

CREATE OR REPLACE TABLE mart_ai_gap_sa_items AS
SELECT r.wave, r.agency_code, r.gov_level, r.tier, r.personnel_type, i.competency_code, m.category,
       count(*) AS n,
       sum(i.importance) AS sum_i,
       sum(i.proficiency) AS sum_p,
       sum(i.importance * i.importance) AS sum_i2,
       sum(i.proficiency * i.proficiency) AS sum_p2
FROM _ai_gap_sa_resp AS r
JOIN selfassessment_item AS i ON i.wave = r.wave AND i.respondent_key = r.respondent_key
JOIN competency AS m ON m.competency_code = i.competency_code
WHERE i.importance IS NOT NULL AND i.proficiency IS NOT NULL
GROUP BY ALL
ORDER BY ALL;

CREATE OR REPLACE TABLE mart_ai_gap_sa_attitudes AS
SELECT r.wave, r.agency_code, r.gov_level, r.tier, r.personnel_type, t.attitude_code,
       count(*) AS n,
       sum(t.score) AS sum_x,
       sum(t.score * t.score) AS sum_x2
FROM _ai_gap_sa_resp AS r
JOIN selfassessment_attitude AS t ON t.wave = r.wave AND t.respondent_key = r.respondent_key
WHERE t.score IS NOT NULL
GROUP BY ALL
ORDER BY ALL;

-- Purpose: each roster-matched person's mean self-assessed proficiency per wave with their roster
--          attributes at that wave's month ('unknown' when no stretch covers it), for the change
--          between two waves of badge earners and others.
-- Grain: mart_ai_gap_sa_person: one row per wave x staff_key.
CREATE OR REPLACE TABLE mart_ai_gap_sa_person AS
WITH person_wave AS (
    SELECT s.wave, s.staff_key, avg(i.proficiency) AS mean_p
    FROM selfassessment_respondent AS s
    JOIN selfassessment_item AS i ON i.wave = s.wave AND i.respondent_key = s.respondent_key
    WHERE s.staff_key IS NOT NULL AND i.proficiency IS NOT NULL
    GROUP BY s.wave, s.staff_key
)
SELECT p.wave, p.staff_key, p.mean_p,
       coalesce(sm.agency_code, 'unknown') AS agency_code,
       coalesce(sm.gov_level, 'unknown') AS gov_level,
       coalesce(sm.tier, 'unknown') AS tier,
       coalesce(sm.personnel_type, 'unknown') AS personnel_type
FROM person_wave AS p
LEFT JOIN staff_history AS sm  -- the stretch covering the wave's month
  ON sm.staff_key = p.staff_key
 AND sm.valid_from <= CAST(p.wave || '-01' AS DATE)
 AND (sm.valid_to IS NULL OR sm.valid_to >= CAST(p.wave || '-01' AS DATE))
ORDER BY p.wave, p.staff_key;

DROP TABLE _ai_gap_sa_resp;

-- Purpose: AI-badge earners between every pair of self-assessment waves (earlier -> later), so
--          the earners comparison does not scan all awards on every call: awarded after the first
--          wave's month began and by the end of the second wave's month, badge of kind 'badge'
--          aligned to an AI-related competency, not revoked by then (same rules as the former
--          inline CTE of dashboard/queries/ai_gap_earners.sql). A later -> earlier pair has an
--          empty window, hence no rows.
-- Grain: mart_ai_gap_earners: one row per wave_from x wave_to x staff_key (earners only).
CREATE OR REPLACE TABLE mart_ai_gap_earners AS
WITH pairs AS (
    SELECT f.wave AS wave_from, t.wave AS wave_to,
           CAST(f.wave || '-01' AS DATE) AS d_from,
           last_day(CAST(t.wave || '-01' AS DATE)) AS d_to
    FROM (SELECT DISTINCT wave FROM selfassessment_respondent) AS f
    JOIN (SELECT DISTINCT wave FROM selfassessment_respondent) AS t ON t.wave > f.wave
),
ai_badges AS (
    SELECT DISTINCT ba.badge_code
    FROM badge_alignment AS ba
    JOIN competency AS m ON m.competency_code = ba.competency_code
    JOIN badge_class AS bc ON bc.badge_code = ba.badge_code
    WHERE m.ai_related AND bc.kind = 'badge'
)
SELECT DISTINCT p.wave_from, p.wave_to, aw.staff_key
FROM badge_award AS aw
JOIN ai_badges USING (badge_code)
JOIN pairs AS p
  ON aw.awarded_on >= p.d_from AND aw.awarded_on <= p.d_to
 AND (aw.revoked_on IS NULL OR aw.revoked_on > p.d_to)
ORDER BY ALL;
