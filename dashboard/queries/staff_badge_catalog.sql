-- Purpose: the badge and certification catalog the staff page needs to name awards and to
--          decide which route badges a person still lacks.
-- Grain: one row per badge_class (badge_* and cert_* codes).
-- Parameters: none.
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {}
SELECT badge_code, kind, name_zh, coalesce(name_en, name_zh) AS name_en, module_code, level, route
FROM badge_class
ORDER BY kind, badge_code;
