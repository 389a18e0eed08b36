-- Purpose: time to first badge for a Kaplan-Meier curve: each person on the roster after the
--          launch is followed from the later of the launch (first award of the kind) and their
--          hire date (or roster entry) until their first award (event) or until they leave the
--          roster or the data end (censored). Attributes are those of the stretch at the origin.
--          Per-person follow-up is precomputed in mart_badges_first_badge
--          (etl/sql/116_mart_badges_first_badge.sql); this query only filters and counts.
-- Grain: one row per group_code x whole month since origin (events and censored counts).
-- Parameters: $group_by ('national' | 'gov_level' | 'tier' | 'personnel_type'), $kind ('badge' |
--   'certification' | NULL = both), $gov_level, $agencies (VARCHAR[]; NULL = all), $tier,
--   $personnel_type.
-- params: {"group_by": "national", "kind": "badge", "gov_level": null, "agencies": null, "tier": null, "personnel_type": null}
SELECT CASE $group_by
           WHEN 'gov_level' THEN o.gov_level
           WHEN 'tier' THEN o.tier
           WHEN 'personnel_type' THEN o.personnel_type
           ELSE 'all'
       END AS group_code,
       o.t_month,
       sum(CASE WHEN o.event THEN 1 ELSE 0 END) AS events,
       sum(CASE WHEN o.event THEN 0 ELSE 1 END) AS censored
FROM mart_badges_first_badge AS o
WHERE o.kind_key = coalesce($kind, 'any')
  AND ($gov_level IS NULL OR o.gov_level = $gov_level)
  AND ($agencies::VARCHAR[] IS NULL OR list_contains($agencies::VARCHAR[], o.agency_code))
  AND ($tier IS NULL OR o.tier = $tier)
  AND ($personnel_type IS NULL OR o.personnel_type = $personnel_type)
GROUP BY ALL
ORDER BY group_code, o.t_month;
