-- Purpose: fold roster staging rows (monthly full snapshots and/or change records) together with
--          the existing staff_history into compact SCD-2 spells, and replace staff_history.
-- Grain: staff_history = one row per person and unchanged stretch of attributes; valid_to is the
--        inclusive last day, NULL while current. A person missing from a full snapshot month and
--        back later gets two spells.
-- Parameters: none. Reads roster_snapshot_rows and roster_load_months (staging, may be empty).
-- Method: every source becomes an event (person, month, state|leave): a spell start of the
-- existing history is a state, the day after its end a leave; a staging snapshot or change row is
-- a state, a change row of a leaving kind a leave. A full snapshot month implies a leave for
-- everyone present just before it who is not listed. Consecutive equal states collapse.
-- A snapshot month loaded between months already in the warehouse (a backfill) also re-states
-- the history at the next already-loaded month, so that spells continuing past it survive.

CREATE OR REPLACE TEMP TABLE _rh_snap_months AS
SELECT DISTINCT CAST(month AS DATE) AS month FROM roster_load_months WHERE kind = 'snapshot';

CREATE OR REPLACE TEMP TABLE _rh_reentry_months AS
WITH old AS (SELECT month FROM roster_month WHERE month NOT IN (SELECT month FROM _rh_snap_months))
SELECT DISTINCT (SELECT min(o.month) FROM old AS o WHERE o.month > s.month) AS month
FROM _rh_snap_months AS s;

CREATE OR REPLACE TEMP TABLE _rh_events AS
SELECT staff_key, valid_from AS month, 'state' AS kind, 2 AS prio,
       agency_code, gov_level, agency_type, rank_class, grade, grade_max, is_supervisor,
       personnel_type, job_series, tier, is_direct_it, sex, birth_year, hire_date, load_id
FROM staff_history
-- A full snapshot of a month replaces what the history said about that month (a corrected
-- re-export of the latest month): spells starting in it come from the new rows only.
WHERE valid_from NOT IN (SELECT month FROM _rh_snap_months)
UNION ALL
SELECT h.staff_key, r.month, 'state', 2,
       h.agency_code, h.gov_level, h.agency_type, h.rank_class, h.grade, h.grade_max, h.is_supervisor,
       h.personnel_type, h.job_series, h.tier, h.is_direct_it, h.sex, h.birth_year, h.hire_date, h.load_id
FROM staff_history AS h
JOIN _rh_reentry_months AS r
  ON r.month IS NOT NULL AND h.valid_from <= r.month AND (h.valid_to IS NULL OR h.valid_to >= r.month)
UNION ALL
SELECT staff_key, CAST(valid_to + INTERVAL 1 DAY AS DATE), 'leave', 1,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, load_id
FROM staff_history
WHERE valid_to IS NOT NULL
UNION ALL
SELECT staff_key, CAST(month AS DATE),
       CASE WHEN record_kind = 'leave' THEN 'leave' ELSE 'state' END,
       CASE record_kind WHEN 'snapshot' THEN 5 WHEN 'change' THEN 4 ELSE 3 END,
       agency_code, gov_level, agency_type, rank_class, CAST(grade AS SMALLINT), CAST(grade_max AS SMALLINT),
       is_supervisor, personnel_type, job_series, tier, is_direct_it, sex, CAST(birth_year AS SMALLINT),
       CAST(hire_date AS DATE), coalesce(load_id, 'roster')
FROM roster_snapshot_rows;

-- One event per person and month: new staging rows beat the old history; a state beats a leave.
CREATE OR REPLACE TEMP TABLE _rh_events1 AS
SELECT * FROM _rh_events
QUALIFY row_number() OVER (PARTITION BY staff_key, month ORDER BY prio DESC, load_id DESC) = 1;

-- Implied leaves: present (state) at an event and not listed in the next full snapshot month
-- that comes before the person's next event.
CREATE OR REPLACE TEMP TABLE _rh_events2 AS
WITH nxt AS (
    SELECT *, lead(month) OVER (PARTITION BY staff_key ORDER BY month) AS next_month
    FROM _rh_events1
)
SELECT staff_key, month, kind, agency_code, gov_level, agency_type, rank_class, grade, grade_max,
       is_supervisor, personnel_type, job_series, tier, is_direct_it, sex, birth_year, hire_date, load_id
FROM _rh_events1
UNION ALL
SELECT n.staff_key, s.month, 'leave', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, n.load_id
FROM nxt AS n ASOF JOIN _rh_snap_months AS s ON n.month < s.month
WHERE n.kind = 'state' AND (n.next_month IS NULL OR s.month < n.next_month);

CREATE OR REPLACE TEMP TABLE _rh_spells AS
WITH ordered AS (
    SELECT *,
           struct_pack(agency_code, gov_level, agency_type, rank_class, grade, grade_max, is_supervisor,
                       personnel_type, job_series, tier, is_direct_it, sex, birth_year, hire_date) AS attrs,
           lag(kind) OVER w AS prev_kind,
           lag(struct_pack(agency_code, gov_level, agency_type, rank_class, grade, grade_max, is_supervisor,
                           personnel_type, job_series, tier, is_direct_it, sex, birth_year, hire_date)) OVER w AS prev_attrs
    FROM _rh_events2
    WINDOW w AS (PARTITION BY staff_key ORDER BY month)
), kept AS (
    SELECT * FROM ordered
    WHERE (kind = 'state' AND (prev_kind IS NULL OR prev_kind = 'leave' OR attrs IS DISTINCT FROM prev_attrs))
       OR (kind = 'leave' AND prev_kind = 'state')
)
SELECT *, lead(month) OVER (PARTITION BY staff_key ORDER BY month) AS next_month
FROM kept;

DELETE FROM staff_history;

INSERT INTO staff_history BY NAME
SELECT staff_key, month AS valid_from, CAST(next_month - INTERVAL 1 DAY AS DATE) AS valid_to,
       agency_code, gov_level, agency_type, rank_class, grade, grade_max, is_supervisor, personnel_type,
       job_series, tier, is_direct_it, sex, birth_year, hire_date, load_id
FROM _rh_spells
WHERE kind = 'state'
ORDER BY staff_key, valid_from;

DROP TABLE _rh_events;
DROP TABLE _rh_events1;
DROP TABLE _rh_events2;
DROP TABLE _rh_spells;
