-- Purpose: the competency catalog as the priority explorer needs it (AI flag, category, names).
-- Grain: one row per competency_code.
-- Parameters: none.
-- Served: from memory, read once per warehouse file (a lookup: see db.Warehouse.query).
-- params: {}
SELECT competency_code, framework, category, name_zh, name_en, ai_related
FROM competency
ORDER BY framework, competency_code;
