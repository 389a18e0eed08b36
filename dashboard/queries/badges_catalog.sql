-- Purpose: the badge and certification catalog for labels and the badge filter (names, not people).
-- Grain: one row per badge_code.
-- Parameters: none.
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {}
SELECT badge_code, kind, name_zh, coalesce(name_en, name_zh) AS name_en, module_code, level, route
FROM badge_class
ORDER BY kind, badge_code;
