-- Purpose: survey points follow the Borda rule: points = k + 1 - rank for ranks 1..k, 0 when
--          unranked; k is positive and each rank appears at most once per question.
-- Grain: one row per offending survey_competency_points row or repeated rank (none = pass).
-- Parameters: none.
SELECT wave, respondent_id, part_tier, category, competency_code, rank, k, points, 'points_rule' AS problem
FROM survey_competency_points
WHERE k < 1
   OR (rank IS NULL AND points <> 0)
   OR (rank IS NOT NULL AND (rank < 1 OR rank > k OR points <> k + 1 - rank))
UNION ALL
SELECT wave, respondent_id, part_tier, category, NULL, rank, NULL, NULL, 'duplicate_rank'
FROM survey_competency_points
WHERE rank IS NOT NULL
GROUP BY wave, respondent_id, part_tier, category, rank
HAVING count(*) > 1;
