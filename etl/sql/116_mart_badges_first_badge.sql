-- Purpose: time to first award for the Kaplan-Meier curve (/badges), per person, precomputed for
--          each award kind so a call only groups: each person on the roster after the launch (first
--          award of the kind) is followed from the later of the launch and their hire date (or
--          roster entry) until their first award (event) or until they leave the roster or the data
--          end (censored); attributes are those of the stretch at the origin. Same rules as the
--          former inline query of dashboard/queries/badges_first_badge.sql.
-- Grain: one row per kind_key ('badge' | 'certification' | 'any') x staff_key.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_first_badge AS
WITH kinds AS (
    SELECT * FROM (VALUES ('badge'), ('certification'), ('any')) AS k(kind_key)
),
kind_awards AS (
    SELECT k.kind_key, a.staff_key, a.awarded_on
    FROM badge_award AS a
    JOIN badge_class AS bc ON bc.badge_code = a.badge_code
    JOIN kinds AS k ON k.kind_key = 'any' OR bc.kind = k.kind_key
),
bounds AS (
    SELECT k.kind_key,
           (SELECT min(ka.awarded_on) FROM kind_awards AS ka WHERE ka.kind_key = k.kind_key) AS launch,
           (SELECT last_day(max(month)) FROM roster_month) AS data_end
    FROM kinds AS k
),
people AS (
    SELECT h.staff_key,
           min(h.valid_from) AS first_from,
           max(coalesce(h.valid_to, (SELECT last_day(max(month)) FROM roster_month))) AS last_to,
           max(h.hire_date) AS hire_date
    FROM staff_history AS h
    GROUP BY h.staff_key
),
origin AS (
    SELECT b.kind_key, p.staff_key,
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
    SELECT kind_key, staff_key, min(awarded_on) AS first_on FROM kind_awards GROUP BY kind_key, staff_key
)
SELECT a.kind_key, a.staff_key, a.agency_code, a.gov_level, a.tier, a.personnel_type,
       (f.first_on IS NOT NULL AND f.first_on <= a.censor_at) AS event,
       CAST(floor(greatest(0, date_diff('day', a.origin,
           CASE WHEN f.first_on IS NOT NULL AND f.first_on <= a.censor_at THEN f.first_on ELSE a.censor_at END
       )) / 30.4375) AS INTEGER) AS t_month
FROM attr AS a
LEFT JOIN first_award AS f ON f.kind_key = a.kind_key AND f.staff_key = a.staff_key
ORDER BY a.kind_key, a.gov_level, a.tier, a.personnel_type, a.staff_key;
