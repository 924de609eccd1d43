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

-- name: LockObservations
-- Writers of observations take turns: with one merge at a time, a key that
-- is new when checked is still new when copied in.
SELECT pg_advisory_xact_lock(hashtext('bizenv.observations'))

-- name: MergeWorkMem
-- The statement triggers keep a copy of the rows a COPY inserts (their
-- transition table, for metrics_changes) in work_mem: a bulk import's rows
-- fit in 256MB instead of spilling to a temporary file.
SET LOCAL work_mem = '256MB'

-- name: UnknownCodes
-- Which of the given indicator ($1) and entity ($2) codes the catalog lacks.
SELECT 'indicator' AS kind, u.code FROM unnest($1::text[]) AS u (code)
WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.code = u.code)
UNION ALL
SELECT 'entity', u.code FROM unnest($2::text[]) AS u (code)
WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.code = u.code)
ORDER BY 1 DESC, 2
LIMIT 1

-- name: StoredKeys
-- The stored keys among a batch's indicators, entities and periods: a
-- superset of the batch keys that exist.
SELECT o.indicator, o.entity, o.period
FROM unnest($1::text[]) AS i (code)
CROSS JOIN unnest($2::text[]) AS e (code)
CROSS JOIN unnest($3::date[]) AS p (period)
JOIN observations o ON o.indicator = i.code AND o.entity = e.code AND o.period = p.period

-- name: CopyObservations
-- New observations: revision and collected_at take their defaults (1, and
-- the transaction's start), which spares encoding them row by row.
COPY observations (indicator, entity, period, value, source, note, run_id, changed_by) FROM STDIN

-- name: UpdateStaged
-- Revises the observations whose staged value differs: the old row moves to
-- observation_revisions, the new value becomes the next revision. An
-- identical value touches nothing. $1 run id, $2 actor.
WITH old AS (
    SELECT o.* FROM observations o JOIN staging s
        ON o.indicator = s.indicator AND o.entity = s.entity AND o.period = s.period
    WHERE o.value IS DISTINCT FROM s.value
), superseded AS (
    INSERT INTO observation_revisions (indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by)
    SELECT indicator, entity, period, revision, value, source, note, collected_at, run_id, changed_by FROM old
), upd AS (
    UPDATE observations o SET
        value = s.value, revision = o.revision + 1, source = s.source, note = s.note,
        collected_at = now(), run_id = $1, changed_by = $2
    FROM staging s
    WHERE o.indicator = s.indicator AND o.entity = s.entity AND o.period = s.period
      AND o.value IS DISTINCT FROM s.value
    RETURNING 1
)
SELECT count(*) FROM upd

-- name: InsertPayload
INSERT INTO payloads (run_id, name, sha256, size, content) VALUES ($1, $2, $3, $4, $5)

-- name: PayloadStored
-- A payload with this content was stored by a run that succeeded.
SELECT EXISTS (
    SELECT 1 FROM payloads p JOIN runs r ON r.id = p.run_id
    WHERE p.sha256 = $1 AND r.outcome IN ('success', 'partial') AND r.kind = $2 AND r.name = $3
)

-- name: AnalyzeStaging
ANALYZE staging

-- name: CopyStaging
COPY staging (indicator, entity, period, value, source, note) FROM STDIN

-- name: CopyRejects
COPY rejects (run_id, file, line, record, reason, code, reason_zh) FROM STDIN
