-- Purpose: roster codes exist in their dimensions; 'unknown' is allowed where the schema says
--          so (agency_code, gov_level, rank_class, personnel_type, tier).
-- Grain: one row per table, column and unknown value (none when the audit passes).
-- Parameters: none.
SELECT 'staff_history' AS table_name, 'agency_code' AS column_name, agency_code AS value, count(*) AS n
FROM staff_history
WHERE agency_code <> 'unknown' AND agency_code NOT IN (SELECT agency_code FROM agency) GROUP BY ALL
UNION ALL
SELECT 'staff_history', 'gov_level', gov_level, count(*)
FROM staff_history WHERE gov_level NOT IN (SELECT gov_level_code FROM gov_level) GROUP BY ALL
UNION ALL
SELECT 'staff_history', 'agency_type', agency_type, count(*)
FROM staff_history WHERE agency_type NOT IN (SELECT agency_type_code FROM agency_type) GROUP BY ALL
UNION ALL
SELECT 'staff_history', 'rank_class', rank_class, count(*)
FROM staff_history WHERE rank_class NOT IN (SELECT rank_class_code FROM rank_class) GROUP BY ALL
UNION ALL
SELECT 'staff_history', 'personnel_type', personnel_type, count(*)
FROM staff_history WHERE personnel_type NOT IN (SELECT personnel_type_code FROM personnel_type) GROUP BY ALL
UNION ALL
SELECT 'staff_history', 'tier', tier, count(*)
FROM staff_history WHERE tier <> 'unknown' AND tier NOT IN (SELECT tier_code FROM tier) GROUP BY ALL
UNION ALL
SELECT 'staff_restricted', 'agency_code', agency_code, count(*)
FROM staff_restricted
WHERE agency_code <> 'unknown' AND agency_code NOT IN (SELECT agency_code FROM agency) GROUP BY ALL;
