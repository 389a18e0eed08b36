-- Purpose: the priority survey's own-tier Borda points joined to the respondent's attributes and
--          weight, so the /ai-gap, /badges (supply vs demand) and /summary queries group one table
--          instead of joining respondents to their points on every call.
-- Grain: one row per wave x respondent_id x category x competency_code of the respondent's own
--        tier part (survey_competency_points with part_tier = the respondent's tier).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_ai_gap_points AS
SELECT r.wave, r.respondent_id, r.tier, r.gov_level, r.agency_code, r.workgroup, r.personnel_type,
       r.weight, p.category, p.competency_code, m.ai_related, p.rank, p.k, p.points
FROM survey_respondent AS r
JOIN survey_competency_points AS p
  ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
JOIN competency AS m ON m.competency_code = p.competency_code
-- a stable order keeps every aggregate's summation order (and so its last bit) reproducible
ORDER BY r.wave, r.respondent_id, p.category, p.competency_code;

-- Purpose: one row per respondent with at least one own-tier point: attributes, weight and whether
--          any AI-related item is among their ranked (top-k) items, for the AI mention rate.
-- Grain: one row per wave x respondent_id.
CREATE OR REPLACE TABLE mart_ai_gap_respondent AS
SELECT wave, respondent_id,
       any_value(tier) AS tier, any_value(gov_level) AS gov_level, any_value(agency_code) AS agency_code,
       any_value(workgroup) AS workgroup, any_value(personnel_type) AS personnel_type,
       any_value(weight) AS weight,
       bool_or(rank IS NOT NULL AND ai_related) AS mentioned
FROM mart_ai_gap_points
GROUP BY wave, respondent_id
ORDER BY wave, respondent_id;
