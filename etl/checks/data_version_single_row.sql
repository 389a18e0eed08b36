-- Purpose: data_version holds exactly one row, with a JSON list of inputs.
-- Grain: one row when the audit fails (none when it passes).
-- Parameters: none.
SELECT count(*) AS n_rows
FROM data_version
HAVING count(*) <> 1
    OR count(*) FILTER (WHERE json_valid(inputs) AND version_id <> '') <> 1;
