-- Purpose: tiers agree with rank class and supervisor status in the survey and the roster
--          (senior = 簡任; middle = 薦任 supervisors under either ETL_TIER_RULE; basic = 委任 or
--          薦任), and every survey respondent answered the part about their own tier.
-- Grain: one row per table, tier, rank class and supervisor flag that break a rule (none = pass).
-- Parameters: none.
WITH people AS (
    SELECT 'survey_respondent' AS table_name, tier, rank_class, is_supervisor FROM survey_respondent
    UNION ALL
    SELECT 'staff_history', tier, rank_class, is_supervisor FROM staff_history
)
SELECT table_name, tier, rank_class, is_supervisor, count(*) AS n, 'tier_rule' AS problem
FROM people
WHERE (tier = 'senior') <> (rank_class = 'senior')
   OR (tier = 'middle' AND NOT (rank_class = 'junior' AND is_supervisor))
   OR (tier = 'basic' AND rank_class NOT IN ('elementary', 'junior'))
GROUP BY ALL
UNION ALL
SELECT 'survey_competency_points', r.tier, r.rank_class, r.is_supervisor, count(*), 'own_tier_part_missing'
FROM survey_respondent AS r
WHERE NOT EXISTS (
    SELECT 1 FROM survey_competency_points AS p
    WHERE p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
)
GROUP BY ALL;
