-- Purpose: every survey answer row belongs to a respondent, and every respondent's wave exists
--          in survey_wave once any wave row is written.
-- Grain: one row per orphaned answer group (none when the audit passes).
-- Parameters: none.
SELECT 'survey_competency_points' AS table_name, p.wave, p.respondent_id, count(*) AS n
FROM survey_competency_points AS p
ANTI JOIN survey_respondent AS r USING (wave, respondent_id)
GROUP BY ALL
UNION ALL
SELECT 'survey_task_rank', t.wave, t.respondent_id, count(*)
FROM survey_task_rank AS t
ANTI JOIN survey_respondent AS r USING (wave, respondent_id)
GROUP BY ALL
UNION ALL
SELECT 'survey_workgroup_assignment', a.wave, a.respondent_id, count(*)
FROM survey_workgroup_assignment AS a
ANTI JOIN survey_respondent AS r USING (wave, respondent_id)
GROUP BY ALL
UNION ALL
SELECT 'survey_wave', r.wave, NULL, count(*)
FROM survey_respondent AS r
WHERE (SELECT count(*) FROM survey_wave) > 0
  AND r.wave NOT IN (SELECT wave FROM survey_wave)
GROUP BY ALL;
