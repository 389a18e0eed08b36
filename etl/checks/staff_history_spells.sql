-- Purpose: staff_history spells are well formed: valid_to (inclusive) is not before valid_from,
--          a person's spells do not overlap, and at most one spell per person is open; the same
--          holds for staff_restricted per person and agency.
-- Grain: one row per offending spell (none when the audit passes).
-- Parameters: none.
WITH ordered AS (
    SELECT 'staff_history' AS table_name, staff_key, valid_from, valid_to,
           lead(valid_from) OVER (PARTITION BY staff_key ORDER BY valid_from, valid_to NULLS LAST) AS next_from
    FROM staff_history
    UNION ALL
    SELECT 'staff_restricted', staff_key, valid_from, valid_to,
           lead(valid_from) OVER (PARTITION BY staff_key, agency_code ORDER BY valid_from, valid_to NULLS LAST)
    FROM staff_restricted
)
SELECT table_name, staff_key, valid_from, valid_to, next_from,
       CASE WHEN valid_to < valid_from THEN 'ends_before_start' ELSE 'overlaps_next_spell' END AS problem
FROM ordered
WHERE valid_to < valid_from
   OR (next_from IS NOT NULL AND (valid_to IS NULL OR valid_to >= next_from));
