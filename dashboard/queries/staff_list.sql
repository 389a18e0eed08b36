-- Purpose: agency HR's staff list: every person on the latest roster month in the viewer's
--          agencies, with the agency-internal staff number and unit (staff_restricted), the
--          attributes used to nominate people for training, and their valid badges and
--          certifications (not revoked, not expired on $today). People, numbers and awards come
--          precomputed from mart_badges_current_staff (etl/sql/120_mart_badges_current_staff.sql, sorted by
--          agency); this query only filters them and checks each award's validity on $today.
-- Grain: one row per person (staff_key) and agency on the latest roster month.
-- Parameters: $agencies VARCHAR[] (the viewer's agencies, already clamped to the scope by the
--             service; never NULL), $today DATE (validity date for awards).
-- params: {"agencies": ["C3005"], "today": "2026-10-31"}
SELECT s.staff_key,
       s.agency_code,
       s.staff_number,
       s.unit_name,
       s.tier,
       s.personnel_type,
       s.rank_class,
       s.grade,
       s.is_supervisor,
       list_sort(list_distinct(list_transform(
           list_filter(s.awards, lambda a: a.kind = 'badge' AND a.awarded_on <= CAST($today AS DATE)
               AND (a.revoked_on IS NULL OR a.revoked_on > CAST($today AS DATE))
               AND (a.valid_until IS NULL OR a.valid_until >= CAST($today AS DATE))),
           lambda a: a.badge_code))) AS badges,
       list_sort(list_distinct(list_transform(
           list_filter(s.awards, lambda a: a.kind = 'certification' AND a.awarded_on <= CAST($today AS DATE)
               AND (a.revoked_on IS NULL OR a.revoked_on > CAST($today AS DATE))
               AND (a.valid_until IS NULL OR a.valid_until >= CAST($today AS DATE))),
           lambda a: a.badge_code))) AS certifications,
       s.month AS roster_month
FROM mart_badges_current_staff AS s
WHERE list_contains($agencies, s.agency_code)
ORDER BY s.agency_code, s.unit_name NULLS LAST, s.staff_number NULLS LAST, s.staff_key;
