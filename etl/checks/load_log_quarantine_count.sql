-- Purpose: the quarantine count in etl_load_log equals the rows kept in etl_quarantine, and
--          every quarantined row belongs to a logged file.
-- Grain: one row per load_id whose counts disagree (none when the audit passes).
-- Parameters: none.
WITH q AS (
    SELECT load_id, count(*) AS n FROM etl_quarantine GROUP BY load_id
)
SELECT coalesce(l.load_id, q.load_id) AS load_id, l.file_name,
       l.rows_quarantined AS logged, coalesce(q.n, 0) AS stored
FROM etl_load_log AS l
FULL OUTER JOIN q ON q.load_id = l.load_id
WHERE l.load_id IS NULL OR l.rows_quarantined <> coalesce(q.n, 0);
