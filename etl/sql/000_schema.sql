-- Purpose: the warehouse's analytic schema (stable names; see docs/data-model.md).
-- Grain: one statement per table; every later transform inserts into these tables.
-- Parameters: none. Plain DuckDB SQL: pastes into the duckdb CLI as is.

-- ---------------------------------------------------------------- reference dimensions
CREATE TABLE IF NOT EXISTS competency (
    framework      VARCHAR NOT NULL,   -- it_position | ai_framework | ai_attitude | digital_general
    competency_code VARCHAR PRIMARY KEY,
    category       VARCHAR NOT NULL,   -- common | technical | management | technical|management | attitude | digital | legacy
    name_zh        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    surveyed_tiers VARCHAR,            -- basic|middle|senior
    ai_related     BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS tier (
    tier_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    survey_part VARCHAR, top_k_common SMALLINT, top_k_technical SMALLINT, top_k_management SMALLINT
);

CREATE TABLE IF NOT EXISTS workgroup (
    workgroup_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS agency (
    agency_code VARCHAR PRIMARY KEY,   -- synthetic codes (see docs/data-model.md)
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR NOT NULL,
    gov_level   VARCHAR NOT NULL,      -- central | municipal | county
    agency_type VARCHAR NOT NULL,      -- codes of agency_types.csv
    parent_code VARCHAR,
    region      VARCHAR
);

-- Small code lists (data/reference/*.csv) so that every code column has a dimension to join.
CREATE TABLE IF NOT EXISTS gov_level (
    gov_level_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    table13_group  VARCHAR                -- central | local | unknown (Table 13's grouping)
);

CREATE TABLE IF NOT EXISTS agency_type (
    agency_type_code VARCHAR PRIMARY KEY, gov_level VARCHAR NOT NULL,  -- central | local
    name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS rank_class (
    rank_class_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    grade_min SMALLINT, grade_max SMALLINT
);

CREATE TABLE IF NOT EXISTS personnel_type (
    personnel_type_code VARCHAR PRIMARY KEY, name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL,
    questionnaire_option VARCHAR,         -- Q1 answer A-D
    direct_it BOOLEAN NOT NULL            -- counts in the direct IT workforce
);

CREATE TABLE IF NOT EXISTS task_item (
    task_code VARCHAR PRIMARY KEY, domain VARCHAR NOT NULL, item VARCHAR NOT NULL,
    name_zh VARCHAR NOT NULL, name_en VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- competency-priority survey
CREATE TABLE IF NOT EXISTS survey_wave (
    wave            VARCHAR PRIMARY KEY,  -- e.g. '2025', '2026'
    instrument      VARCHAR NOT NULL,     -- codebook name
    opened_on       DATE,
    closed_at       TIMESTAMP,
    n_responses     INTEGER,
    kish_n_eff      DOUBLE,               -- Kish effective sample size of the raked weights
    weight_method   VARCHAR               -- e.g. 'raking(gov_level,rank_class,supervisor,personnel_type);trim=...'
);

CREATE TABLE IF NOT EXISTS survey_respondent (
    wave             VARCHAR NOT NULL,
    respondent_id    VARCHAR NOT NULL,
    submitted_at     TIMESTAMP NOT NULL,
    staff_key        VARCHAR,             -- HMAC of the contact e-mail when given, else NULL
    agency_code      VARCHAR,             -- from the invitation link when present, else NULL
    gov_level        VARCHAR NOT NULL,    -- central | municipal | county
    agency_type      VARCHAR,
    rank_class       VARCHAR NOT NULL,    -- elementary | junior | senior
    grade            SMALLINT NOT NULL,
    is_supervisor    BOOLEAN NOT NULL,
    personnel_type   VARCHAR NOT NULL,    -- it_series | non_it_series | contract
    tier             VARCHAR NOT NULL,    -- basic | middle | senior
    workgroup        VARCHAR,             -- workgroups.csv code; NULL when none
    workgroup_source VARCHAR,             -- 'supplied' or 'derived:<method>@<version>'
    weight           DOUBLE NOT NULL,     -- raked survey weight (1.0 before raking)
    sex              VARCHAR,
    birth_year       SMALLINT,            -- Gregorian
    education        VARCHAR,
    years_public     SMALLINT,
    years_post       SMALLINT,
    years_it_unit    SMALLINT,
    load_id          VARCHAR NOT NULL,
    PRIMARY KEY (wave, respondent_id)
);

CREATE TABLE IF NOT EXISTS survey_competency_points (
    wave            VARCHAR NOT NULL,
    respondent_id   VARCHAR NOT NULL,
    part_tier       VARCHAR NOT NULL,     -- the tier the part asks about: basic (1-1) | middle (1-2) | senior (1-3)
    category        VARCHAR NOT NULL,     -- common | technical | management
    competency_code VARCHAR NOT NULL,
    rank            SMALLINT,             -- NULL = offered but not ranked
    k               SMALLINT NOT NULL,    -- top-k of the question as answered
    points          SMALLINT NOT NULL,    -- k + 1 - rank, 0 when unranked (Borda)
    PRIMARY KEY (wave, respondent_id, part_tier, category, competency_code)
);

CREATE TABLE IF NOT EXISTS survey_task_rank (
    wave          VARCHAR NOT NULL,
    respondent_id VARCHAR NOT NULL,
    domain        VARCHAR NOT NULL,       -- out | inh | pol
    task_code     VARCHAR NOT NULL,
    rank          SMALLINT,               -- NULL for the exclusive 'none' tick
    PRIMARY KEY (wave, respondent_id, task_code)
);

CREATE TABLE IF NOT EXISTS survey_workgroup_assignment (
    wave           VARCHAR NOT NULL,
    respondent_id  VARCHAR NOT NULL,
    workgroup      VARCHAR,
    method         VARCHAR NOT NULL,      -- supplied | pca_kmeans
    method_version VARCHAR NOT NULL,
    PRIMARY KEY (wave, respondent_id, method)
);

-- ---------------------------------------------------------------- AI self-assessment
CREATE TABLE IF NOT EXISTS selfassessment_respondent (
    wave           VARCHAR NOT NULL,      -- e.g. '2025-10'
    respondent_key VARCHAR NOT NULL,
    staff_key      VARCHAR,               -- NULL when the e-mail matched no roster entry
    submitted_at   TIMESTAMP,
    agency_code    VARCHAR,
    load_id        VARCHAR NOT NULL,
    PRIMARY KEY (wave, respondent_key)
);

CREATE TABLE IF NOT EXISTS selfassessment_item (
    wave            VARCHAR NOT NULL,
    respondent_key  VARCHAR NOT NULL,
    staff_key       VARCHAR,
    competency_code VARCHAR NOT NULL,     -- ai_framework codes
    importance      SMALLINT,             -- 1..5
    proficiency     SMALLINT,             -- 1..5
    PRIMARY KEY (wave, respondent_key, competency_code)
);

CREATE TABLE IF NOT EXISTS selfassessment_attitude (
    wave           VARCHAR NOT NULL,
    respondent_key VARCHAR NOT NULL,
    staff_key      VARCHAR,
    attitude_code  VARCHAR NOT NULL,      -- ai_att_* codes
    score          SMALLINT,              -- agreement 1..5
    PRIMARY KEY (wave, respondent_key, attitude_code)
);

-- ---------------------------------------------------------------- roster
-- One row per person and unchanged stretch of attributes; valid_to is the last day (inclusive)
-- of the stretch, NULL while it is current.
CREATE TABLE IF NOT EXISTS staff_history (
    staff_key      VARCHAR NOT NULL,      -- HMAC-SHA256 of the national ID
    valid_from     DATE NOT NULL,
    valid_to       DATE,
    agency_code    VARCHAR NOT NULL,      -- 'unknown' when the export's agency is not in the catalog
    gov_level      VARCHAR NOT NULL,      -- central | municipal | county | unknown
    agency_type    VARCHAR,
    rank_class     VARCHAR NOT NULL,      -- elementary | junior | senior | unknown
    grade          SMALLINT,              -- lower bound when the export gives a range
    grade_max      SMALLINT,
    is_supervisor  BOOLEAN NOT NULL,
    personnel_type VARCHAR NOT NULL,      -- it_series | non_it_series | contract | general | unknown
    job_series     VARCHAR,
    tier           VARCHAR NOT NULL,      -- basic | middle | senior | unknown
    is_direct_it   BOOLEAN NOT NULL,      -- counts in the direct IT workforce (Table 13 frame)
    sex            VARCHAR,
    birth_year     SMALLINT,
    hire_date      DATE,
    load_id        VARCHAR NOT NULL
);

-- Restricted: agency-internal staff numbers. Only the agency-HR staff page reads this table,
-- always filtered to the viewer's agencies.
CREATE TABLE IF NOT EXISTS staff_restricted (
    staff_key    VARCHAR NOT NULL,
    agency_code  VARCHAR NOT NULL,
    staff_number VARCHAR NOT NULL,        -- 員工編號
    unit_name    VARCHAR,
    valid_from   DATE NOT NULL,
    valid_to     DATE,
    PRIMARY KEY (staff_key, agency_code, valid_from)
);

CREATE TABLE IF NOT EXISTS roster_month (
    month DATE PRIMARY KEY                -- first day of each month a roster covers
);

-- Any month's headcount by any dimension is one query over this view.
CREATE OR REPLACE VIEW staff_month AS
SELECT m.month, h.staff_key, h.agency_code, h.gov_level, h.agency_type, h.rank_class, h.grade,
       h.grade_max, h.is_supervisor, h.personnel_type, h.job_series, h.tier, h.is_direct_it,
       h.sex, h.birth_year, h.hire_date
FROM roster_month AS m
JOIN staff_history AS h
  ON h.valid_from <= m.month AND (h.valid_to IS NULL OR h.valid_to >= m.month);

-- ---------------------------------------------------------------- badges and certifications
CREATE TABLE IF NOT EXISTS issuer (
    issuer_id   VARCHAR PRIMARY KEY,      -- issuer IRI or catalog code
    name        VARCHAR NOT NULL,
    url         VARCHAR,
    issuer_tier VARCHAR                   -- self | professional | accredited | external
);

CREATE TABLE IF NOT EXISTS badge_class (
    badge_code  VARCHAR PRIMARY KEY,      -- catalog code (badge_* or cert_*)
    kind        VARCHAR NOT NULL,         -- badge | certification
    name_zh     VARCHAR NOT NULL,
    name_en     VARCHAR,
    issuer_id   VARCHAR,
    module_code VARCHAR,                  -- mod1_learn_ai ... for MODA badges
    level       VARCHAR,                  -- intro | advanced | practice (入門/進階/實作) or cert level
    route       VARCHAR,                  -- core_all | role_policy | role_dev | role_app
    badge_type  VARCHAR,                  -- achievement | skill | participation | certification
    hours       DOUBLE,
    source_iri  VARCHAR                   -- the BadgeClass id in Open Badges documents
);

CREATE TABLE IF NOT EXISTS badge_alignment (
    badge_code      VARCHAR NOT NULL,
    framework       VARCHAR NOT NULL,     -- targetFramework
    competency_code VARCHAR NOT NULL,     -- targetCode
    target_name     VARCHAR,
    target_url      VARCHAR,
    known_code      BOOLEAN NOT NULL,     -- competency_code exists in the catalog
    PRIMARY KEY (badge_code, framework, competency_code)
);

-- Revocations and expiries are stored, never deleted.
CREATE TABLE IF NOT EXISTS badge_award (
    award_id          VARCHAR PRIMARY KEY, -- assertion / credential id, or a hash for WebHR rows
    badge_code        VARCHAR NOT NULL,
    staff_key         VARCHAR NOT NULL,
    awarded_on        DATE NOT NULL,
    valid_until       DATE,                -- expiry; NULL = does not expire
    revoked_on        DATE,
    revocation_reason VARCHAR,
    source            VARCHAR NOT NULL,    -- ob2 | ob3 | webhr51
    verification      VARCHAR NOT NULL,    -- hosted (not re-checked) | signed (JWS verified) | status_list | webhr
    content_sha256    VARCHAR NOT NULL,    -- hash of the source document (duplicate detection)
    load_id           VARCHAR NOT NULL,
    level             VARCHAR              -- certification level (e.g. advanced) from WebHR 表51; NULL for badges
);

-- Staging for badge_award: parsers write here; the badges derive step moves rows into
-- badge_award, quarantining ids already loaded from an earlier file (duplicate_identical /
-- duplicate_conflict) and keeping the load log's rows_loaded + rows_quarantined = rows_read.
CREATE TABLE IF NOT EXISTS badge_award_stage (
    award_id VARCHAR NOT NULL, badge_code VARCHAR NOT NULL, staff_key VARCHAR NOT NULL,
    awarded_on DATE NOT NULL, valid_until DATE, revoked_on DATE, revocation_reason VARCHAR,
    source VARCHAR NOT NULL, verification VARCHAR NOT NULL, content_sha256 VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL, level VARCHAR,
    file_name VARCHAR NOT NULL, row_number BIGINT NOT NULL
);

-- Revocation documents (OB2 RevocationList, OB3 1EdTechRevocationList) as loaded; the badges
-- derive step copies revoked_on/reason onto badge_award. Never deleted.
CREATE TABLE IF NOT EXISTS badge_revocation (
    award_id          VARCHAR NOT NULL,
    revoked_on        DATE,                -- NULL when the list gives no date
    revocation_reason VARCHAR,
    list_id           VARCHAR NOT NULL,    -- the revocation list's IRI
    load_id           VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- ETL bookkeeping
CREATE TABLE IF NOT EXISTS etl_load_log (
    load_id          VARCHAR NOT NULL,
    feed             VARCHAR NOT NULL,     -- survey | selfassessment | roster | badges
    file_name        VARCHAR NOT NULL,
    file_sha256      VARCHAR NOT NULL,
    encoding         VARCHAR,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    status           VARCHAR NOT NULL,     -- loaded | rejected | skipped_duplicate_file
    message          VARCHAR,
    warnings         VARCHAR,              -- JSON array of strings
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS etl_quarantine (
    load_id     VARCHAR NOT NULL,
    feed        VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    row_number  BIGINT NOT NULL,           -- 1-based data row (header excluded), or document index
    reason_code VARCHAR NOT NULL,
    message     VARCHAR NOT NULL,
    raw_record  VARCHAR NOT NULL           -- the raw row as JSON, identifiers masked
);

CREATE TABLE IF NOT EXISTS data_version (
    version_id  VARCHAR NOT NULL,          -- e.g. 20261121T230000Z-<hash8>
    built_at    TIMESTAMP NOT NULL,
    inputs      VARCHAR NOT NULL,          -- JSON: files and their sha256
    etl_version VARCHAR NOT NULL
);
