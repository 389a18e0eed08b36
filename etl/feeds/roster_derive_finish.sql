-- Purpose: record the months the loaded roster files cover in roster_month, then drop the roster
--          staging tables (their rows now live in staff_history / staff_restricted).
-- Grain: roster_month = one row per first day of a covered month.
-- Parameters: none.

INSERT INTO roster_month
SELECT DISTINCT CAST(month AS DATE) AS month
FROM roster_load_months
WHERE CAST(month AS DATE) NOT IN (SELECT month FROM roster_month)
ORDER BY month;

DROP TABLE _rh_snap_months;
DROP TABLE _rh_reentry_months;
DROP TABLE roster_snapshot_rows;
DROP TABLE roster_load_months;
