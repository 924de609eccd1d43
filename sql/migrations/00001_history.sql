-- +goose Up
-- The catalog, the observations with every revision, and the runs that wrote
-- them. Tables live in the connection's current schema, so a test can migrate
-- a schema of its own.

CREATE TABLE indicators (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    name_zh     text NOT NULL,
    name_en     text NOT NULL,
    unit        text NOT NULL CHECK (unit IN ('rank','score','ratio','count','steps','items','days','working_days','yuan')),
    direction   text NOT NULL CHECK (direction IN ('higher_better','lower_better','neutral')),
    category    text NOT NULL,
    target      double precision,
    description text NOT NULL DEFAULT '',
    owner       text NOT NULL DEFAULT '',
    frequency   text NOT NULL DEFAULT 'monthly' CHECK (frequency IN ('monthly','annual')),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entities (
    code       text PRIMARY KEY,
    name_zh    text NOT NULL,
    name_en    text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('district','city','city_average','province','country','department','park','street')),
    parent     text REFERENCES entities (code) DEFERRABLE INITIALLY DEFERRED,
    benchmark  text REFERENCES entities (code) DEFERRABLE INITIALLY DEFERRED,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per import, collector run or API write.
CREATE TABLE runs (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('import','collector','api')),
    name        text NOT NULL,
    actor       text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome     text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running','success','partial','failure')),
    error       text NOT NULL DEFAULT '',
    inserted    integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    rejected    integer NOT NULL DEFAULT 0,
    dry_run     boolean NOT NULL DEFAULT false
);
CREATE INDEX runs_name_started ON runs (kind, name, started_at DESC);

-- The raw input a run read, kept so it can be parsed again.
CREATE TABLE payloads (
    id         bigserial PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES runs (id),
    name       text NOT NULL,
    sha256     text NOT NULL,
    size       bigint NOT NULL,
    content    bytea COMPRESSION lz4 NOT NULL, -- lz4: a quarter of pglz's time on a 6 MB file
    fetched_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payloads_sha256 ON payloads (sha256);
CREATE INDEX payloads_run ON payloads (run_id);

-- Input records that were not stored, and why.
CREATE TABLE rejects (
    id         bigserial PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES runs (id),
    file       text NOT NULL,
    line       integer NOT NULL,
    record     text NOT NULL,
    reason     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejects_run ON rejects (run_id);
CREATE INDEX rejects_file ON rejects (file);

-- The current value of each (indicator, entity, period).
--
-- observations and observation_revisions carry no foreign keys: checking
-- them row by row took most of a bulk import's time. The store checks the
-- codes of a whole batch against the catalog in one query before it merges
-- (catalog rows are never deleted), and `bizenv verify` checks the history's
-- invariants.
CREATE TABLE observations (
    indicator    text NOT NULL,
    entity       text NOT NULL,
    period       date NOT NULL CHECK (extract(day FROM period) = 1),
    value        double precision NOT NULL CHECK (value NOT IN ('NaN', 'Infinity', '-Infinity')),
    revision     integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    source       text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    collected_at timestamptz NOT NULL DEFAULT now(),
    run_id       bigint,
    changed_by   text NOT NULL DEFAULT '',
    PRIMARY KEY (indicator, entity, period)
);

-- The values each observation had before its current one: revision 1 up
-- to the current revision minus one. A changed value moves the old row here,
-- with who (changed_by), what (run_id) and when (collected_at) wrote it;
-- recorded_at is when it was superseded. observation_history below joins
-- both into the full chain.
CREATE TABLE observation_revisions (
    indicator    text NOT NULL,
    entity       text NOT NULL,
    period       date NOT NULL,
    revision     integer NOT NULL,
    value        double precision NOT NULL,
    source       text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    collected_at timestamptz NOT NULL,
    run_id       bigint,
    changed_by   text NOT NULL DEFAULT '',
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator, entity, period, revision)
);

CREATE VIEW observation_history AS
    SELECT indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by, false AS current
    FROM observation_revisions
    UNION ALL
    SELECT indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by, true AS current
    FROM observations;

-- data_version counts committed changes to what /metrics shows, so that a
-- scrape can tell in one cheap read whether the exposition it rendered last
-- is still current. Statement-level triggers bump it inside the writing
-- transaction: the new count becomes visible exactly when the data does.
CREATE TABLE data_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL
);
INSERT INTO data_version (version) VALUES (1);

-- +goose StatementBegin
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER observations_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON observations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER runs_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON runs
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER indicators_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER entities_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entities
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- Dashboards read through a role that cannot write. It is cluster-wide, so
-- it may exist already; a login role for Grafana is made a member of it.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bizenv_readonly') THEN
        CREATE ROLE bizenv_readonly NOLOGIN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO bizenv_readonly', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO bizenv_readonly', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO bizenv_readonly', current_schema());
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE data_version CASCADE;
DROP FUNCTION bump_data_version() CASCADE;
DROP VIEW observation_history;
DROP TABLE observation_revisions;
DROP TABLE observations;
DROP TABLE rejects;
DROP TABLE payloads;
DROP TABLE runs;
DROP TABLE entities;
DROP TABLE indicators;
