-- Purpose: resolve staged badge awards (badge_award_stage, written by etl/feeds/badges.py) into
--   badge_award. An award id already in badge_award, or repeated by a later file of the same run,
--   is quarantined: duplicate_identical when its content hash equals the version kept,
--   duplicate_conflict otherwise (the first loaded version stays). The load log's
--   rows_loaded/rows_quarantined are corrected so that rows_read = loaded + quarantined still
--   holds. Revocation lists (badge_revocation) are then applied; nothing is ever deleted from
--   badge_award.
-- Grain: badge_award one row per award_id; etl_quarantine one row per rejected staged row.
-- Parameters: none.

-- Only ids staged more than once, or already in badge_award, need ranking (a handful at the
-- national scale): ranking every staged row copied ~2 M rows through a window for nothing.
CREATE OR REPLACE TEMP TABLE _badge_dup_ids AS
SELECT award_id FROM badge_award_stage GROUP BY award_id HAVING count(*) > 1
UNION
SELECT award_id FROM badge_award_stage SEMI JOIN badge_award USING (award_id);

CREATE OR REPLACE TEMP TABLE _badge_stage_ranked AS
SELECT s.*,
       row_number() OVER w AS k,
       first_value(s.content_sha256) OVER w AS first_sha,
       first_value(s.file_name) OVER w AS first_file,
       a.content_sha256 AS loaded_sha
FROM badge_award_stage AS s
SEMI JOIN _badge_dup_ids AS d USING (award_id)
LEFT JOIN badge_award AS a ON a.award_id = s.award_id
WINDOW w AS (PARTITION BY s.award_id ORDER BY s.load_id, s.row_number);

CREATE OR REPLACE TEMP TABLE _badge_dupes AS
SELECT r.*,
       CASE WHEN r.content_sha256 = coalesce(r.loaded_sha, r.first_sha)
            THEN 'duplicate_identical' ELSE 'duplicate_conflict' END AS reason_code
FROM _badge_stage_ranked AS r
WHERE r.loaded_sha IS NOT NULL OR r.k > 1;

INSERT INTO etl_quarantine (load_id, feed, file_name, row_number, reason_code, message, raw_record)
SELECT load_id, 'badges', file_name, row_number, reason_code,
       'award id ' || award_id
       || CASE WHEN loaded_sha IS NOT NULL THEN ' was loaded by an earlier load'
               ELSE ' was loaded earlier in this run from ' || first_file END
       || CASE reason_code WHEN 'duplicate_identical' THEN ' with identical content; ignored'
               ELSE ' with different content; the first version is kept' END,
       to_json({'award_id': award_id, 'badge_code': badge_code, 'source': source,
                'awarded_on': awarded_on, 'content_sha256': content_sha256})::VARCHAR
FROM _badge_dupes;

UPDATE etl_load_log
SET rows_loaded = etl_load_log.rows_loaded - d.n,
    rows_quarantined = etl_load_log.rows_quarantined + d.n
FROM (SELECT load_id, count(*) AS n FROM _badge_dupes GROUP BY load_id) AS d
WHERE etl_load_log.load_id = d.load_id;

INSERT INTO badge_award BY NAME
SELECT award_id, badge_code, staff_key, awarded_on, valid_until, revoked_on, revocation_reason,
       source, verification, content_sha256, load_id, level
FROM badge_award_stage
ANTI JOIN _badge_dup_ids USING (award_id)
UNION ALL
SELECT award_id, badge_code, staff_key, awarded_on, valid_until, revoked_on, revocation_reason,
       source, verification, content_sha256, load_id, level
FROM _badge_stage_ranked
WHERE loaded_sha IS NULL AND k = 1;

DELETE FROM badge_award_stage;

UPDATE badge_award
SET revoked_on = coalesce(r.revoked_on, badge_award.awarded_on),
    revocation_reason = r.revocation_reason
FROM (
    SELECT award_id, min(revoked_on) AS revoked_on, min(revocation_reason) AS revocation_reason
    FROM badge_revocation
    GROUP BY award_id
) AS r
WHERE badge_award.award_id = r.award_id AND badge_award.revoked_on IS NULL;
