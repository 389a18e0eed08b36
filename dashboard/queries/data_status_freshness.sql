-- Purpose: how fresh each feed is: the last successful load and the newest date in its data
--          (survey submission, self-assessment submission, roster month, badge award).
-- Grain: one row per feed (survey | selfassessment | roster | badges).
-- Parameters: none.
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {}
WITH loads AS (
    SELECT feed, max(finished_at) FILTER (WHERE status = 'loaded') AS last_loaded,
           count(*) AS files, count(*) FILTER (WHERE status = 'rejected') AS files_rejected
    FROM etl_load_log
    GROUP BY feed
),
newest AS (
    SELECT 'survey' AS feed, max(submitted_at) AS newest_record, count(*) AS records FROM survey_respondent
    UNION ALL
    SELECT 'selfassessment', max(submitted_at), count(*) FROM selfassessment_respondent
    UNION ALL
    SELECT 'roster', CAST(max(month) AS TIMESTAMP), count(*) FROM roster_month
    UNION ALL
    SELECT 'badges', CAST(max(awarded_on) AS TIMESTAMP), count(*) FROM badge_award
)
SELECT n.feed, l.last_loaded, n.newest_record, n.records, coalesce(l.files, 0) AS files,
       coalesce(l.files_rejected, 0) AS files_rejected
FROM newest AS n
LEFT JOIN loads AS l USING (feed)
ORDER BY n.feed;
