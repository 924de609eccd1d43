-- +goose Up
-- Which entities a write may have changed, so that /metrics renders again
-- only those after a write instead of everything. Each row holds the data
-- version of the newest committed write to the entity's observations; the
-- scope '*' stands for every entity (a catalog change, a TRUNCATE). A
-- reader that rendered at version V reads the rows with version > V.
--
-- The version is the one the writing statement bumps data_version to. The
-- bump holds data_version's row lock until the transaction ends, so writers
-- commit in version order, and a snapshot that sees version V sees every
-- row logged at V or before.
CREATE TABLE metrics_changes (
    scope   text PRIMARY KEY,
    version bigint NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION note_observation_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    UPDATE data_version SET version = version + 1 RETURNING version INTO v;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO metrics_changes (scope, version)
        SELECT DISTINCT entity, v FROM new_rows
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO metrics_changes (scope, version)
        SELECT entity, v FROM old_rows UNION SELECT entity, v FROM new_rows
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO metrics_changes (scope, version)
        SELECT DISTINCT entity, v FROM old_rows
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    ELSE -- TRUNCATE
        INSERT INTO metrics_changes (scope, version) VALUES ('*', v)
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A catalog change can touch any series (a target, a direction, a
-- benchmark): every entity. A statement that changed no row changes nothing.
CREATE FUNCTION note_catalog_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v       bigint;
    changed boolean := true;
BEGIN
    UPDATE data_version SET version = version + 1 RETURNING version INTO v;
    -- Each branch names only the transition table its event has.
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        changed := EXISTS (SELECT FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT FROM old_rows);
    END IF;
    IF changed THEN
        INSERT INTO metrics_changes (scope, version) VALUES ('*', v)
        ON CONFLICT (scope) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- These take over the plain version bumps of the same tables. A trigger
-- with transition tables takes one event.
DROP TRIGGER observations_version ON observations;
CREATE TRIGGER observations_inserted AFTER INSERT ON observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_observation_changes();
CREATE TRIGGER observations_updated AFTER UPDATE ON observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_observation_changes();
CREATE TRIGGER observations_deleted AFTER DELETE ON observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION note_observation_changes();
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON observations
    FOR EACH STATEMENT EXECUTE FUNCTION note_observation_changes();

DROP TRIGGER indicators_version ON indicators;
CREATE TRIGGER indicators_inserted AFTER INSERT ON indicators
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER indicators_updated AFTER UPDATE ON indicators
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER indicators_deleted AFTER DELETE ON indicators
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER indicators_truncated AFTER TRUNCATE ON indicators
    FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();

DROP TRIGGER entities_version ON entities;
CREATE TRIGGER entities_inserted AFTER INSERT ON entities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER entities_updated AFTER UPDATE ON entities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER entities_deleted AFTER DELETE ON entities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();
CREATE TRIGGER entities_truncated AFTER TRUNCATE ON entities
    FOR EACH STATEMENT EXECUTE FUNCTION note_catalog_changes();

-- Until a reader has rendered once, it renders everything.
INSERT INTO metrics_changes (scope, version) SELECT '*', version FROM data_version;

-- +goose Down
DROP TRIGGER observations_inserted ON observations;
DROP TRIGGER observations_updated ON observations;
DROP TRIGGER observations_deleted ON observations;
DROP TRIGGER observations_truncated ON observations;
DROP TRIGGER indicators_inserted ON indicators;
DROP TRIGGER indicators_updated ON indicators;
DROP TRIGGER indicators_deleted ON indicators;
DROP TRIGGER indicators_truncated ON indicators;
DROP TRIGGER entities_inserted ON entities;
DROP TRIGGER entities_updated ON entities;
DROP TRIGGER entities_deleted ON entities;
DROP TRIGGER entities_truncated ON entities;
CREATE TRIGGER observations_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON observations
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER indicators_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER entities_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON entities
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
DROP FUNCTION note_catalog_changes();
DROP FUNCTION note_observation_changes();
DROP TABLE metrics_changes;
