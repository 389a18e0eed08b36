-- Purpose: why rows were quarantined: counts per feed, file and reason, with one example
--          message (raw records are never shown on the page).
-- Grain: one row per (feed, file_name, reason_code).
-- Parameters: $feed (VARCHAR, NULL = all feeds).
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {"feed": null}
SELECT feed, file_name, reason_code, count(*) AS rows, min(message) AS example_message
FROM etl_quarantine
WHERE $feed IS NULL OR feed = $feed
GROUP BY feed, file_name, reason_code
ORDER BY rows DESC, feed, file_name, reason_code;
