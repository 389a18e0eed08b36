-- Purpose: the warehouse holds no raw identifier: staff keys are 64-hex HMACs, respondent keys
--          and ids hold no e-mail, and quarantine/log text holds no e-mail or national ID.
-- Grain: one row per table and column with offending values (none when the audit passes).
-- Parameters: none.
WITH keys AS (
    SELECT 'staff_history' AS table_name, 'staff_key' AS column_name, staff_key AS v FROM staff_history
    UNION ALL SELECT 'staff_restricted', 'staff_key', staff_key FROM staff_restricted
    UNION ALL SELECT 'survey_respondent', 'staff_key', staff_key FROM survey_respondent WHERE staff_key IS NOT NULL
    UNION ALL SELECT 'selfassessment_respondent', 'staff_key', staff_key FROM selfassessment_respondent WHERE staff_key IS NOT NULL
    UNION ALL SELECT 'selfassessment_item', 'staff_key', staff_key FROM selfassessment_item WHERE staff_key IS NOT NULL
    UNION ALL SELECT 'selfassessment_attitude', 'staff_key', staff_key FROM selfassessment_attitude WHERE staff_key IS NOT NULL
    UNION ALL SELECT 'badge_award', 'staff_key', staff_key FROM badge_award
),
free_text AS (
    SELECT 'survey_respondent' AS table_name, 'respondent_id' AS column_name, respondent_id AS v FROM survey_respondent
    UNION ALL SELECT 'selfassessment_respondent', 'respondent_key', respondent_key FROM selfassessment_respondent
    UNION ALL SELECT 'badge_award', 'award_id', award_id FROM badge_award
    UNION ALL SELECT 'etl_quarantine', 'raw_record', raw_record FROM etl_quarantine
    UNION ALL SELECT 'etl_quarantine', 'message', message FROM etl_quarantine
    UNION ALL SELECT 'etl_load_log', 'message', message FROM etl_load_log WHERE message IS NOT NULL
    UNION ALL SELECT 'etl_load_log', 'warnings', warnings FROM etl_load_log WHERE warnings IS NOT NULL
)
SELECT table_name, column_name, 'not_a_64_hex_key' AS problem, count(*) AS n
FROM keys
WHERE NOT regexp_full_match(v, '[0-9a-f]{64}')
GROUP BY ALL
UNION ALL
SELECT table_name, column_name, 'email_or_national_id', count(*)
FROM free_text
WHERE regexp_matches(v, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}')
   OR regexp_matches(v, '(^|[^A-Za-z0-9])[A-Z][1289][0-9]{8}([^0-9]|$)')
GROUP BY ALL;
