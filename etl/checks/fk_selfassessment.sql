-- Purpose: self-assessment codes exist in competency (ai_framework items, ai_attitude
--          attitudes) and agency; answers stay on the 1..5 scale.
-- Grain: one row per table, column and offending value (none when the audit passes).
-- Parameters: none.
SELECT 'selfassessment_item' AS table_name, 'competency_code' AS column_name,
       competency_code AS value, count(*) AS n
FROM selfassessment_item
WHERE competency_code NOT IN (SELECT competency_code FROM competency WHERE framework = 'ai_framework')
GROUP BY ALL
UNION ALL
SELECT 'selfassessment_attitude', 'attitude_code', attitude_code, count(*)
FROM selfassessment_attitude
WHERE attitude_code NOT IN (SELECT competency_code FROM competency WHERE framework = 'ai_attitude')
GROUP BY ALL
UNION ALL
SELECT 'selfassessment_respondent', 'agency_code', agency_code, count(*)
FROM selfassessment_respondent WHERE agency_code NOT IN (SELECT agency_code FROM agency) GROUP BY ALL
UNION ALL
SELECT 'selfassessment_item', 'importance', CAST(importance AS VARCHAR), count(*)
FROM selfassessment_item WHERE importance NOT BETWEEN 1 AND 5 GROUP BY ALL
UNION ALL
SELECT 'selfassessment_item', 'proficiency', CAST(proficiency AS VARCHAR), count(*)
FROM selfassessment_item WHERE proficiency NOT BETWEEN 1 AND 5 GROUP BY ALL
UNION ALL
SELECT 'selfassessment_attitude', 'score', CAST(score AS VARCHAR), count(*)
FROM selfassessment_attitude WHERE score NOT BETWEEN 1 AND 5 GROUP BY ALL;
