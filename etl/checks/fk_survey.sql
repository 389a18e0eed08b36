-- Purpose: codes in the survey tables exist in their dimensions (tier, gov_level, rank_class,
--          personnel_type, agency, agency_type, workgroup, competency, task_item).
-- Grain: one row per table, column and unknown value (none when the audit passes).
-- Parameters: none.
SELECT 'survey_respondent' AS table_name, 'tier' AS column_name, tier AS value, count(*) AS n
FROM survey_respondent WHERE tier NOT IN (SELECT tier_code FROM tier) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'gov_level', gov_level, count(*)
FROM survey_respondent WHERE gov_level NOT IN (SELECT gov_level_code FROM gov_level) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'rank_class', rank_class, count(*)
FROM survey_respondent WHERE rank_class NOT IN (SELECT rank_class_code FROM rank_class) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'personnel_type', personnel_type, count(*)
FROM survey_respondent WHERE personnel_type NOT IN (SELECT personnel_type_code FROM personnel_type) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'agency_code', agency_code, count(*)
FROM survey_respondent WHERE agency_code NOT IN (SELECT agency_code FROM agency) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'agency_type', agency_type, count(*)
FROM survey_respondent WHERE agency_type NOT IN (SELECT agency_type_code FROM agency_type) GROUP BY ALL
UNION ALL
SELECT 'survey_respondent', 'workgroup', workgroup, count(*)
FROM survey_respondent WHERE workgroup NOT IN (SELECT workgroup_code FROM workgroup) GROUP BY ALL
UNION ALL
SELECT 'survey_workgroup_assignment', 'workgroup', workgroup, count(*)
FROM survey_workgroup_assignment WHERE workgroup NOT IN (SELECT workgroup_code FROM workgroup) GROUP BY ALL
UNION ALL
SELECT 'survey_competency_points', 'competency_code', competency_code, count(*)
FROM survey_competency_points WHERE competency_code NOT IN (SELECT competency_code FROM competency) GROUP BY ALL
UNION ALL
SELECT 'survey_competency_points', 'part_tier', part_tier, count(*)
FROM survey_competency_points WHERE part_tier NOT IN (SELECT tier_code FROM tier) GROUP BY ALL
UNION ALL
SELECT 'survey_competency_points', 'category', category, count(*)
FROM survey_competency_points WHERE category NOT IN ('common', 'technical', 'management') GROUP BY ALL
UNION ALL
SELECT 'survey_task_rank', 'task_code', task_code, count(*)
FROM survey_task_rank WHERE task_code NOT IN (SELECT task_code FROM task_item) GROUP BY ALL;
