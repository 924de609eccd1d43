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
