-- Queries behind the HTTP API's reads.

-- name: Series
-- One indicator for one entity, oldest period first, between two periods.
SELECT period, value, source, note
FROM observations
WHERE indicator = $1 AND entity = $2 AND period BETWEEN $3 AND $4
ORDER BY period

-- name: PeriodValues
-- One indicator's current value for every entity in one period.
SELECT indicator, entity, period, value, source, note
FROM observations
WHERE indicator = $1 AND period = $2
ORDER BY entity

-- name: Collectors
-- Every collector that has recorded a run: its newest run and newest
-- success. Partial runs succeeded; dry runs stored nothing and are left out.
SELECT name,
       count(*) AS runs,
       (array_agg(started_at ORDER BY started_at DESC, id DESC))[1] AS last_run,
       (array_agg(outcome ORDER BY started_at DESC, id DESC))[1] AS last_outcome,
       max(finished_at) FILTER (WHERE outcome IN ('success', 'partial')) AS last_success
FROM runs
WHERE kind = 'collector' AND NOT dry_run
GROUP BY name
ORDER BY name

-- name: CollectorRuns
-- A collector's runs, newest first; $2 limits how many.
SELECT id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected
FROM runs
WHERE kind = 'collector' AND name = $1
ORDER BY started_at DESC, id DESC
LIMIT $2

-- name: Rejects
-- Rejected records, newest first, of one run ($1, 0 for any) and one file
-- ($2, '' for any); $3 limits how many.
SELECT id, run_id, file, line, record, reason, code, reason_zh, created_at
FROM rejects
WHERE ($1::bigint = 0 OR run_id = $1::bigint) AND ($2::text = '' OR file = $2::text)
ORDER BY id DESC
LIMIT $3
