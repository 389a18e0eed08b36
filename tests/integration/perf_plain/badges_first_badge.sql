-- Reference for tests/integration/test_perf_marts.py: the plain (mart-free) form of
-- dashboard/queries/badges_first_badge.sql as it was before mart_badges_first_badge; same parameters and columns.
-- Purpose: time to first badge for a Kaplan-Meier curve: each person on the roster after the
--          launch is followed from the later of the launch (first award of the kind) and their
--          hire date (or roster entry) until their first award (event) or until they leave the
--          roster or the data end (censored). Attributes are those of the stretch at the origin.
-- Grain: one row per group_code x whole month since origin (events and censored counts).
-- Parameters: $group_by ('national' | 'gov_level' | 'tier' | 'personnel_type'), $kind ('badge' |
--   'certification' | NULL = both), $gov_level, $agencies (VARCHAR[]; NULL = all), $tier,
--   $personnel_type.
-- params: {"group_by": "national", "kind": "badge", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
WITH kind_awards AS (
    SELECT a.staff_key, a.awarded_on
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    WHERE $kind IS NULL OR bc.kind = $kind
),
bounds AS (
    SELECT (SELECT min(awarded_on) FROM kind_awards) AS launch,
           (SELECT last_day(max(month)) FROM roster_month) AS data_end
),
people AS (
    SELECT h.staff_key,
           min(h.valid_from) AS first_from,
           max(coalesce(h.valid_to, b.data_end)) AS last_to,
           max(h.hire_date) AS hire_date
    FROM staff_history AS h, bounds AS b
    GROUP BY h.staff_key
),
origin AS (
    SELECT p.staff_key,
           greatest(b.launch, coalesce(p.hire_date, p.first_from), p.first_from) AS origin,
           least(p.last_to, b.data_end) AS censor_at
    FROM people AS p, bounds AS b
    WHERE p.last_to >= b.launch
),
attr AS (
    SELECT o.*, h.agency_code, h.gov_level, h.tier, h.personnel_type
    FROM origin AS o
    ASOF JOIN staff_history AS h ON h.staff_key = o.staff_key AND o.origin >= h.valid_from
    WHERE o.censor_at >= o.origin
),
first_award AS (
    SELECT staff_key, min(awarded_on) AS first_on FROM kind_awards GROUP BY staff_key
),
obs AS (
    SELECT a.*,
           (f.first_on IS NOT NULL AND f.first_on <= a.censor_at) AS event,
           greatest(0, date_diff('day', a.origin,
               CASE WHEN f.first_on IS NOT NULL AND f.first_on <= a.censor_at THEN f.first_on ELSE a.censor_at END
           )) AS days
    FROM attr AS a
    LEFT JOIN first_award AS f ON f.staff_key = a.staff_key
    WHERE ($gov_level IS NULL OR a.gov_level = $gov_level)
      AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], a.agency_code))
      AND ($tier IS NULL OR a.tier = $tier)
      AND ($personnel_type IS NULL OR a.personnel_type = $personnel_type)
)
SELECT CASE $group_by
           WHEN 'gov_level' THEN gov_level
           WHEN 'tier' THEN tier
           WHEN 'personnel_type' THEN personnel_type
           ELSE 'all'
       END AS group_code,
       CAST(floor(days / 30.4375) AS INTEGER) AS t_month,
       sum(CASE WHEN event THEN 1 ELSE 0 END) AS events,
       sum(CASE WHEN event THEN 0 ELSE 1 END) AS censored
FROM obs
GROUP BY ALL
ORDER BY group_code, t_month;
