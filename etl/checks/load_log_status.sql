-- Purpose: load-log statuses are known, load ids are unique, and a published warehouse holds
--          no rejected file (a run with a rejected file is never published).
-- Grain: one row per offending etl_load_log entry (none when the audit passes).
-- Parameters: none.
SELECT load_id, file_name, status, 'unknown_or_rejected_status' AS problem
FROM etl_load_log
WHERE status NOT IN ('loaded', 'skipped_duplicate_file')
UNION ALL
SELECT load_id, min(file_name), min(status), 'duplicate_load_id'
FROM etl_load_log
GROUP BY load_id
HAVING count(*) > 1
UNION ALL
SELECT min(load_id), min(file_name), 'loaded', 'same_content_loaded_twice'
FROM etl_load_log
WHERE status = 'loaded'
GROUP BY file_sha256
HAVING count(*) > 1;
