-- The current observations: reads by series, period and entity, and the
-- merge of a batch (staged, compared, copied in or revised).

-- name: Series
-- One indicator for one entity, oldest period first, between two periods.
SELECT indicator, entity, period, value, source, note
FROM observations
WHERE indicator = $1 AND entity = $2 AND period BETWEEN $3 AND $4
ORDER BY period

-- name: PeriodValues
-- One indicator's current value for every entity in one period.
SELECT indicator, entity, period, value, source, note
FROM observations
WHERE indicator = $1 AND period = $2
ORDER BY entity

-- name: ReportHistory
-- Every current value of the given entities between two periods.
SELECT indicator, entity, period, value, source, note
FROM observations
WHERE entity = ANY($1) AND period BETWEEN $2 AND $3
ORDER BY entity, indicator, period

-- name: LockObservations
-- Writers of observations take turns: with one merge at a time, a key that
-- is new when checked is still new when copied in.
SELECT pg_advisory_xact_lock(hashtext('bizenv.observations'))

-- name: CreateStaging
CREATE TEMP TABLE staging (
    indicator text NOT NULL,
    entity    text NOT NULL,
    period    date NOT NULL,
    value     double precision NOT NULL,
    source    text NOT NULL,
    note      text NOT NULL
) ON COMMIT DROP

-- name: CopyStaging
COPY staging (indicator, entity, period, value, source, note) FROM STDIN

-- name: AnalyzeStaging
ANALYZE staging

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
