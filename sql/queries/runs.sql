-- Runs: their record, their liveness (a session advisory lock per run in
-- progress, see postgres/runs.go), one run per collector across replicas,
-- and the collectors' history read from them.

-- name: StartRun
INSERT INTO runs (kind, name, actor) VALUES ($1, $2, $3)
RETURNING id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected

-- name: FinishRun
UPDATE runs SET finished_at = now(), outcome = $2, error = $3,
    inserted = $4, updated = $5, unchanged = $6, rejected = $7
WHERE id = $1
RETURNING id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected

-- name: LockRun
-- A session-level advisory lock per running run, held on the connection
-- that started it until the run is finished: while it is held the run's
-- process is alive. The first key marks a bizenv run ("bizr").
SELECT pg_advisory_lock(1651079794, ($1::bigint % 2147483648)::int)

-- name: UnlockRun
SELECT pg_advisory_unlock(1651079794, ($1::bigint % 2147483648)::int)

-- name: DeadRuns
-- Runs left "running" whose process is gone: no session holds their lock.
-- The lock taken to look is a transaction lock, released at once.
SELECT format('run %s (%s %s) was left running by a process that is gone',
    id, kind, name) AS message
FROM runs
WHERE outcome = 'running' AND pg_try_advisory_xact_lock(1651079794, (id % 2147483648)::int)
ORDER BY id
LIMIT $1

-- name: FailDeadRuns
-- Fails the runs left "running" by a process that is gone (no session
-- holds their lock). A run in progress holds its lock, so it is skipped.
UPDATE runs SET outcome = 'failure', finished_at = now(),
    error = 'interrupted: the process stopped before the run finished'
WHERE outcome = 'running' AND pg_try_advisory_xact_lock(1651079794, (id % 2147483648)::int)
RETURNING id

-- name: TryCollectorLock
-- A session-level advisory lock per collector, held on a dedicated
-- connection for the length of a run. The first key marks the lock as a
-- bizenv collector's ("bize" in ASCII); the second is the name's hash.
SELECT pg_try_advisory_lock(1651079781, hashtext($1))

-- name: CollectorUnlock
SELECT pg_advisory_unlock(1651079781, hashtext($1))

-- name: CollectorRuns
-- A collector's runs, newest first; $2 limits how many.
SELECT id, kind, name, actor, started_at, finished_at, outcome, error, inserted, updated, unchanged, rejected
FROM runs
WHERE kind = 'collector' AND name = $1
ORDER BY started_at DESC, id DESC
LIMIT $2
