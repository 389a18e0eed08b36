-- Purpose: badge supply cells for the supply-vs-demand chart (/badges, /summary): per roster month,
--          person attributes of that month and competency, how many staff hold at least one valid
--          award aligned to the competency (from mart_badges_holding). Stretches of one person do not
--          overlap (etl/checks/staff_history_spells.sql), so each person sits in exactly one cell
--          per month and sums over any set of cells are exact distinct-holder counts.
-- Grain: one row per month x agency_code x gov_level x tier x personnel_type x competency_code.
-- Parameters: none (rebuilt after every build or load).
CREATE OR REPLACE TABLE mart_badges_supply AS
SELECT h.month, h.agency_code, h.gov_level, h.tier, h.personnel_type, al.competency_code,
       count(DISTINCT h.staff_key) AS holders
FROM mart_badges_holding AS h
JOIN badge_alignment AS al ON al.badge_code = h.badge_code
GROUP BY ALL
ORDER BY ALL;
