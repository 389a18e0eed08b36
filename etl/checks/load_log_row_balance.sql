-- Purpose: every file's counts balance: rows read = rows loaded + rows quarantined.
-- Grain: one row per offending etl_load_log entry (none when the audit passes).
-- Parameters: none.
SELECT load_id, feed, file_name, rows_read, rows_loaded, rows_quarantined
FROM etl_load_log
WHERE rows_read <> rows_loaded + rows_quarantined
   OR rows_read < 0 OR rows_loaded < 0 OR rows_quarantined < 0;
