-- Purpose: put the derived work group on the respondents of a wave that has no supplied groups.
-- Grain: statement; updates one row per respondent of the wave.
-- Parameters: $wave, $source ('derived:pca_kmeans@<version>'); reads _survey_assign_stage.
UPDATE survey_respondent AS r
SET workgroup = s.workgroup, workgroup_source = $source
FROM _survey_assign_stage AS s
WHERE r.wave = $wave AND s.respondent_id = r.respondent_id;
