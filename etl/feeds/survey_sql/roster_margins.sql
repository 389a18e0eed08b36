-- Purpose: direct-IT headcount of one roster month by the raking variables. Supervisor status
--          follows the survey's convention: every senior-rank (簡任) person counts as a supervisor.
-- Grain: one row per (gov_level, rank_class, supervisor, personnel_type) cell.
-- Parameters: $month (first day of the survey month).
SELECT gov_level,
       rank_class,
       CASE WHEN is_supervisor OR rank_class = 'senior' THEN 'supervisor' ELSE 'non_supervisor' END AS supervisor,
       personnel_type,
       count(*) AS n
FROM staff_month
WHERE month = $month AND is_direct_it
GROUP BY ALL;
