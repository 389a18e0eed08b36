-- Purpose: store a derived work-group assignment staged as _survey_assign_stage.
-- Grain: one row per respondent of the wave.
-- Parameters: none (reads the registered frame _survey_assign_stage).
INSERT INTO survey_workgroup_assignment (wave, respondent_id, workgroup, method, method_version)
SELECT wave, respondent_id, workgroup, method, method_version FROM _survey_assign_stage;
