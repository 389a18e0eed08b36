-- Purpose: awards reference known badge classes, alignments reference known badges, badge
--          classes reference known issuers, and an award is not expired or revoked before it was made.
-- Grain: one row per offending row group (none when the audit passes).
-- Parameters: none.
SELECT 'badge_award' AS table_name, 'badge_code' AS column_name, badge_code AS value, count(*) AS n
FROM badge_award WHERE badge_code NOT IN (SELECT badge_code FROM badge_class) GROUP BY ALL
UNION ALL
SELECT 'badge_alignment', 'badge_code', badge_code, count(*)
FROM badge_alignment WHERE badge_code NOT IN (SELECT badge_code FROM badge_class) GROUP BY ALL
UNION ALL
SELECT 'badge_class', 'issuer_id', issuer_id, count(*)
FROM badge_class WHERE issuer_id NOT IN (SELECT issuer_id FROM issuer) GROUP BY ALL
UNION ALL
SELECT 'badge_award', 'valid_until', 'before awarded_on', count(*)
FROM badge_award WHERE valid_until < awarded_on
HAVING count(*) > 0
UNION ALL
SELECT 'badge_award', 'revoked_on', 'before awarded_on', count(*)
FROM badge_award WHERE revoked_on < awarded_on
HAVING count(*) > 0;
