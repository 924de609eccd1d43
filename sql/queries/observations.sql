-- name: StartRun
INSERT INTO runs (kind, name, actor) VALUES ($1, $2, $3)
RETURNING id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected

-- name: FinishRun
UPDATE runs SET finished_at = now(), outcome = $2, error = $3,
    inserted = $4, updated = $5, unchanged = $6, rejected = $7
WHERE id = $1
RETURNING id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected

-- name: CreateStaging
CREATE TEMP TABLE staging (
    indicator text NOT NULL,
    entity    text NOT NULL,
    period    date NOT NULL,
    value     double precision NOT NULL,
    source    text NOT NULL,
    note      text NOT NULL
) ON COMMIT DROP

-- name: MergeStaging
-- Inserts new observations and revises changed ones in one statement; an
-- identical value matches the WHERE of DO UPDATE and so touches nothing.
-- Every row written gets its revision recorded. $1 run id, $2 actor.
WITH up AS (
    INSERT INTO observations AS o (indicator, entity, period, value, revision, source, note, collected_at, run_id, changed_by)
    SELECT DISTINCT ON (indicator, entity, period) indicator, entity, period, value, 1, source, note, now(), $1, $2
    FROM staging
    ORDER BY indicator, entity, period
    ON CONFLICT (indicator, entity, period) DO UPDATE SET
        value = EXCLUDED.value, revision = o.revision + 1, source = EXCLUDED.source, note = EXCLUDED.note,
        collected_at = EXCLUDED.collected_at, run_id = EXCLUDED.run_id, changed_by = EXCLUDED.changed_by
    WHERE o.value IS DISTINCT FROM EXCLUDED.value
    RETURNING o.*, o.revision = 1 AS inserted
), revised AS (
    INSERT INTO observation_revisions (indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by)
    SELECT indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by FROM up
)
SELECT (SELECT count(*) FROM up WHERE inserted) AS inserted,
       (SELECT count(*) FROM up WHERE NOT inserted) AS updated,
       (SELECT count(*) FROM (SELECT DISTINCT indicator, entity, period FROM staging) s) AS staged

-- name: InsertPayload
INSERT INTO payloads (run_id, name, sha256, size, content) VALUES ($1, $2, $3, $4, $5)

-- name: PayloadStored
-- A payload with this content was stored by a run that succeeded.
SELECT EXISTS (
    SELECT 1 FROM payloads p JOIN runs r ON r.id = p.run_id
    WHERE p.sha256 = $1 AND r.outcome IN ('success', 'partial') AND r.kind = $2 AND r.name = $3
)

-- name: FailInterruptedRuns
-- Runs left "running" by a process that died are failed on start-up when
-- no live session holds them (their advisory lock is free).
UPDATE runs SET outcome = 'failure', finished_at = now(), error = 'interrupted: the process stopped before the run finished'
WHERE outcome = 'running' AND started_at < now() - $1::interval
RETURNING id

-- name: CopyStaging
COPY staging (indicator, entity, period, value, source, note) FROM STDIN

-- name: CopyRejects
COPY rejects (run_id, file, line, record, reason) FROM STDIN
