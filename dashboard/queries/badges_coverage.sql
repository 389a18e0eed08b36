-- Purpose: badge coverage per roster month: headcount (same filters) and how many of them hold at
--          least one valid award at the month's last day (not revoked by then, not expired).
-- Grain: one row per month x group_code (a person attribute of that month).
-- Parameters: $group_by ('total' | 'gov_level' | 'agency' | 'tier' | 'personnel_type'),
--   $kind ('badge' | 'certification' | NULL = both), $gov_level, $agencies (VARCHAR[]; NULL = all),
--   $tier, $personnel_type.
-- params: {"group_by": "total", "kind": null, "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH staff AS (
    SELECT sm.month, last_day(sm.month) AS month_end, sm.staff_key,
           CASE $group_by
               WHEN 'gov_level' THEN sm.gov_level
               WHEN 'agency' THEN sm.agency_code
               WHEN 'tier' THEN sm.tier
               WHEN 'personnel_type' THEN sm.personnel_type
               ELSE 'all'
           END AS group_code
    FROM staff_month AS sm
    WHERE ($gov_level IS NULL OR sm.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], sm.agency_code))
      AND ($tier IS NULL OR sm.tier = $tier)
      AND ($personnel_type IS NULL OR sm.personnel_type = $personnel_type)
),
holders AS (
    SELECT DISTINCT s.month, s.staff_key
    FROM staff AS s
    JOIN badge_award AS a ON a.staff_key = s.staff_key
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    WHERE a.awarded_on <= s.month_end
      AND (a.revoked_on IS NULL OR a.revoked_on > s.month_end)
      AND (a.valid_until IS NULL OR a.valid_until >= s.month_end)
      AND ($kind IS NULL OR bc.kind = $kind)
)
SELECT CAST(s.month AS DATE) AS month, s.group_code,
       count(*) AS headcount,
       count(h.staff_key) AS holders
FROM staff AS s
LEFT JOIN holders AS h ON h.month = s.month AND h.staff_key = s.staff_key
GROUP BY s.month, s.group_code
ORDER BY s.month, s.group_code;
