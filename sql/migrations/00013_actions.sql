-- +goose Up
-- The rectification ledger (整改台账, SPEC section 11): the actions the
-- office tracks to closure, their progress notes, and every state an
-- action had before a change, kept like observation_revisions: a change
-- moves the old row to action_revisions with who wrote it and when, and
-- the current row records who changed it and when.

CREATE TABLE actions (
    id          text PRIMARY KEY,
    title       text NOT NULL DEFAULT '',
    problem     text NOT NULL DEFAULT '',
    measure     text NOT NULL DEFAULT '',
    origin      text NOT NULL DEFAULT '',
    entity      text NOT NULL REFERENCES entities (code),
    owner       text NOT NULL REFERENCES entities (code),
    responsible text NOT NULL DEFAULT '',
    indicators  text[] NOT NULL DEFAULT '{}',
    opened      date NOT NULL,
    due         date CHECK (due >= opened),
    status      text NOT NULL CHECK (status IN ('open','in_progress','done','ongoing')),
    closed      date CHECK (closed >= opened),
    source      text NOT NULL DEFAULT '',
    revision    integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    changed_by  text NOT NULL DEFAULT '',
    changed_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'done') = (closed IS NOT NULL))
);
CREATE INDEX actions_owner ON actions (owner, status);

-- The states each action had before its current one. state is the full
-- row as it was (the columns of actions but revision, changed_by and
-- changed_at); fields names the columns the change touched.
CREATE TABLE action_revisions (
    action      text NOT NULL REFERENCES actions (id),
    revision    integer NOT NULL,
    state       jsonb NOT NULL,
    fields      text[] NOT NULL,
    changed_by  text NOT NULL,       -- who wrote this state
    changed_at  timestamptz NOT NULL, -- and when
    replaced_by text NOT NULL,       -- who changed it
    replaced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (action, revision)
);

-- Dated progress entries (进展), each by its author.
CREATE TABLE action_notes (
    id         bigserial PRIMARY KEY,
    action     text NOT NULL REFERENCES actions (id),
    noted      date NOT NULL,
    author     text NOT NULL,
    text       text NOT NULL CHECK (text <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX action_notes_action ON action_notes (action, noted);

-- /metrics shows the ledger's counts.
CREATE TRIGGER actions_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- The dashboards' role reads the ledger (default privileges cover tables
-- made by the migrating role; this covers any other).
GRANT SELECT ON actions, action_revisions, action_notes TO bizenv_readonly;

-- +goose Down
DROP TABLE action_notes;
DROP TABLE action_revisions;
DROP TABLE actions;
