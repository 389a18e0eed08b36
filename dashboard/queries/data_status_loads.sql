-- Purpose: the load log for the data-status page: rows read, loaded and quarantined per feed
--          and file, with status, encoding and timing (newest first).
-- Grain: one row per (load_id, feed, file_name).
-- Parameters: $feed (VARCHAR, NULL = all feeds).
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {"feed": null}
SELECT
    load_id, feed, file_name, encoding, rows_read, rows_loaded, rows_quarantined, status,
    message, warnings, started_at, finished_at,
    date_diff('millisecond', started_at, finished_at) AS duration_ms
FROM etl_load_log
WHERE $feed IS NULL OR feed = $feed
ORDER BY finished_at DESC, feed, file_name;
