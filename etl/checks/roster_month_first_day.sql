-- Purpose: roster_month holds first days of months only (staff_month joins on them).
-- Grain: one row per offending month (none when the audit passes).
-- Parameters: none.
SELECT month
FROM roster_month
WHERE month <> date_trunc('month', month);
