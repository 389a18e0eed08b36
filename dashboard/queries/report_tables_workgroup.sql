-- Purpose: Tables 23-25 (and the means of Table 26) rebuilt live: unweighted mean Borda points
--          per work group, tier column, category and competency, as Table 26 computes them.
-- Grain: one row per (workgroup, tier, category, competency_code); respondents without a work
--        group are left out, as in the report. `tier` is the report's column: basic = part 1-1
--        of basic respondents, senior = part 1-3 of seniors, middle = part 1-2 of middle AND
--        senior respondents (CHECKS D14: Table 26's 中階 means are multiples of 1/N for
--        N = middle + senior of a group).
-- Source: mart_report_workgroup (etl/sql/124_mart_report_tables.sql), grouped once per build or
--         load; the same values to the last bit (means of integer points).
-- Parameters: $wave (the survey wave).
-- params: {"wave": "2025"}
SELECT workgroup, tier, category, competency_code, n, score
FROM mart_report_workgroup
WHERE wave = $wave
ORDER BY workgroup, tier, category, competency_code;
