-- Purpose: the people on the latest roster month, one row each, for the agency-HR staff list and
--          the renewal (expiring awards) table: their attributes of that month (the stretch
--          covering it, as staff_month), the agency-internal staff number and unit of that agency
--          (latest staff_restricted stretch covering the month), and all their awards with the
--          dates that decide validity on any day (validity is checked by the queries). Sorted by
--          agency, so a query for a few agencies reads only their row groups.
--          RESTRICTED like staff_restricted: read only by dashboard/queries/staff_list.sql (always
--          filtered to the viewer's agencies) and, without the restricted columns, by
--          123_mart_badges_current_award.sql.
-- Grain: one row per staff_key on the latest roster month (stretches do not overlap).
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_current_staff AS
WITH latest AS (
    SELECT max(month) AS d FROM roster_month
),
staff AS (
    SELECT h.staff_key, h.agency_code, h.gov_level, h.tier, h.personnel_type, h.rank_class, h.grade,
           h.is_supervisor, h.job_series, latest.d AS month
    FROM staff_history AS h, latest
    WHERE h.valid_from <= latest.d
      AND (h.valid_to IS NULL OR h.valid_to >= latest.d)
),
restricted AS (
    SELECT r.staff_key, r.agency_code, r.staff_number, r.unit_name
    FROM staff_restricted AS r, latest
    WHERE r.valid_from <= latest.d
      AND (r.valid_to IS NULL OR r.valid_to >= latest.d)
    QUALIFY row_number() OVER (PARTITION BY r.staff_key, r.agency_code ORDER BY r.valid_from DESC) = 1
),
awards AS (
    SELECT a.staff_key,
           list({'badge_code': a.badge_code, 'kind': b.kind, 'awarded_on': a.awarded_on,
                 'valid_until': a.valid_until, 'revoked_on': a.revoked_on}
                ORDER BY a.award_id) AS awards  -- a stable order: every build gives the same lists
    FROM badge_award AS a
    JOIN badge_class AS b ON b.badge_code = a.badge_code
    WHERE a.staff_key IN (SELECT staff_key FROM staff)
    GROUP BY a.staff_key
)
SELECT s.agency_code, s.staff_key, s.month, s.gov_level, s.tier, s.personnel_type, s.rank_class,
       s.grade, s.is_supervisor, s.job_series, r.staff_number, r.unit_name,
       coalesce(w.awards, []) AS awards
FROM staff AS s
LEFT JOIN restricted AS r ON r.staff_key = s.staff_key AND r.agency_code = s.agency_code
LEFT JOIN awards AS w ON w.staff_key = s.staff_key
ORDER BY s.agency_code, s.staff_key;
