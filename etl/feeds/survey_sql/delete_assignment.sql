-- Purpose: remove an earlier derived work-group assignment of a wave before writing a new one.
-- Grain: statement.
-- Parameters: $wave, $method.
DELETE FROM survey_workgroup_assignment WHERE wave = $wave AND method = $method;
