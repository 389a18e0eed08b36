-- Purpose: agencies the viewer may choose in the filter panel (their scope), with names and level.
-- Grain: one row per agency.
-- Parameters: $agencies (VARCHAR[] of agency codes in scope, NULL = all agencies).
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {"agencies": null}
SELECT agency_code, name_zh, name_en, gov_level, agency_type
FROM agency
WHERE $agencies IS NULL OR list_contains($agencies, agency_code)
ORDER BY gov_level, agency_code;
