-- Purpose: fold the agency-internal staff numbers and unit names of the roster staging rows and
--          the existing staff_restricted into spells (same method as roster_derive_history.sql).
-- Grain: staff_restricted = one row per person, agency and unchanged (staff number, unit) stretch;
--        valid_to inclusive, NULL while current.
-- Parameters: none. Reads roster_snapshot_rows, _rh_snap_months and _rh_reentry_months (left by
--             the history step).

CREATE OR REPLACE TEMP TABLE _rr_events AS
SELECT staff_key, valid_from AS month, 'state' AS kind, 2 AS prio, agency_code, staff_number, unit_name,
       '' AS load_id
FROM staff_restricted
-- A full snapshot of a month replaces what the history said about that month (a corrected
-- re-export of the latest month): spells starting in it come from the new rows only.
WHERE valid_from NOT IN (SELECT month FROM _rh_snap_months)
UNION ALL
SELECT h.staff_key, r.month, 'state', 2, h.agency_code, h.staff_number, h.unit_name, ''
FROM staff_restricted AS h
JOIN _rh_reentry_months AS r
  ON r.month IS NOT NULL AND h.valid_from <= r.month AND (h.valid_to IS NULL OR h.valid_to >= r.month)
UNION ALL
SELECT staff_key, CAST(valid_to + INTERVAL 1 DAY AS DATE), 'leave', 1, NULL, NULL, NULL, ''
FROM staff_restricted
WHERE valid_to IS NOT NULL
UNION ALL
SELECT staff_key, CAST(month AS DATE),
       CASE WHEN record_kind = 'leave' OR staff_number IS NULL THEN 'leave' ELSE 'state' END,
       CASE record_kind WHEN 'snapshot' THEN 5 WHEN 'change' THEN 4 ELSE 3 END,
       agency_code, staff_number, unit_name, coalesce(load_id, 'roster')
FROM roster_snapshot_rows;

CREATE OR REPLACE TEMP TABLE _rr_events1 AS
SELECT * FROM _rr_events
QUALIFY row_number() OVER (PARTITION BY staff_key, month ORDER BY prio DESC, load_id DESC) = 1;

CREATE OR REPLACE TEMP TABLE _rr_events2 AS
WITH nxt AS (
    SELECT *, lead(month) OVER (PARTITION BY staff_key ORDER BY month) AS next_month
    FROM _rr_events1
)
SELECT staff_key, month, kind, agency_code, staff_number, unit_name FROM _rr_events1
UNION ALL
SELECT n.staff_key, s.month, 'leave', NULL, NULL, NULL
FROM nxt AS n ASOF JOIN _rh_snap_months AS s ON n.month < s.month
WHERE n.kind = 'state' AND (n.next_month IS NULL OR s.month < n.next_month);

CREATE OR REPLACE TEMP TABLE _rr_spells AS
WITH ordered AS (
    SELECT *,
           struct_pack(agency_code, staff_number, unit_name) AS attrs,
           lag(kind) OVER w AS prev_kind,
           lag(struct_pack(agency_code, staff_number, unit_name)) OVER w AS prev_attrs
    FROM _rr_events2
    WINDOW w AS (PARTITION BY staff_key ORDER BY month)
), kept AS (
    SELECT * FROM ordered
    WHERE (kind = 'state' AND (prev_kind IS NULL OR prev_kind = 'leave' OR attrs IS DISTINCT FROM prev_attrs))
       OR (kind = 'leave' AND prev_kind = 'state')
)
SELECT *, lead(month) OVER (PARTITION BY staff_key ORDER BY month) AS next_month
FROM kept;

DELETE FROM staff_restricted;

INSERT INTO staff_restricted BY NAME
SELECT staff_key, agency_code, staff_number, unit_name, month AS valid_from,
       CAST(next_month - INTERVAL 1 DAY AS DATE) AS valid_to
FROM _rr_spells
WHERE kind = 'state'
ORDER BY staff_key, valid_from;

DROP TABLE _rr_events;
DROP TABLE _rr_events1;
DROP TABLE _rr_events2;
DROP TABLE _rr_spells;
