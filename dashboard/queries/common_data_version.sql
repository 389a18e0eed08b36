-- Purpose: the warehouse's current data version for the footer and cache keys.
-- Grain: one row (the newest build).
-- Parameters: none.
-- params: {}
SELECT version_id, built_at, etl_version
FROM data_version
ORDER BY built_at DESC
LIMIT 1;
