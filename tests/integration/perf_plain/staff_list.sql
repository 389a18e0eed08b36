-- Purpose: agency HR's staff list: every person on the latest roster month in the viewer's
--          agencies, with the agency-internal staff number and unit (staff_restricted), the
--          attributes used to nominate people for training, and their valid badges and
--          certifications (not revoked, not expired on $today).
-- Grain: one row per person (staff_key) and agency on the latest roster month.
-- Parameters: $agencies VARCHAR[] (the viewer's agencies, already clamped to the scope by the
--             service; never NULL), $today DATE (validity date for awards).
-- params: {"agencies": ["C3005"], "today": "2026-10-31"}
WITH latest AS (
    SELECT max(month) AS d FROM roster_month
),
staff AS (
    SELECT h.staff_key, h.agency_code, h.tier, h.personnel_type, h.rank_class, h.grade,
           h.is_supervisor, h.job_series
    FROM staff_history AS h, latest
    WHERE h.valid_from <= latest.d
      AND (h.valid_to IS NULL OR h.valid_to >= latest.d)
      AND list_contains($agencies, h.agency_code)
),
restricted AS (
    SELECT r.staff_key, r.agency_code, r.staff_number, r.unit_name
    FROM staff_restricted AS r, latest
    WHERE r.valid_from <= latest.d
      AND (r.valid_to IS NULL OR r.valid_to >= latest.d)
      AND list_contains($agencies, r.agency_code)
    QUALIFY row_number() OVER (PARTITION BY r.staff_key, r.agency_code ORDER BY r.valid_from DESC) = 1
),
awards AS (
    SELECT a.staff_key, a.badge_code, b.kind
    FROM badge_award AS a
    JOIN badge_class AS b USING (badge_code)
    WHERE a.staff_key IN (SELECT staff_key FROM staff)
      AND a.awarded_on <= $today
      AND (a.revoked_on IS NULL OR a.revoked_on > $today)
      AND (a.valid_until IS NULL OR a.valid_until >= $today)
),
held AS (
    SELECT staff_key,
           list(DISTINCT badge_code ORDER BY badge_code) FILTER (WHERE kind = 'badge') AS badges,
           list(DISTINCT badge_code ORDER BY badge_code) FILTER (WHERE kind = 'certification') AS certifications
    FROM awards
    GROUP BY staff_key
)
SELECT s.staff_key,
       s.agency_code,
       r.staff_number,
       r.unit_name,
       s.tier,
       s.personnel_type,
       s.rank_class,
       s.grade,
       s.is_supervisor,
       coalesce(h.badges, []) AS badges,
       coalesce(h.certifications, []) AS certifications,
       (SELECT d FROM latest) AS roster_month
FROM staff AS s
LEFT JOIN restricted AS r ON r.staff_key = s.staff_key AND r.agency_code = s.agency_code
LEFT JOIN held AS h ON h.staff_key = s.staff_key
ORDER BY s.agency_code, r.unit_name NULLS LAST, r.staff_number NULLS LAST, s.staff_key;
