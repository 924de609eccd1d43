-- Queries of the collectors: one runner per collector across replicas.
-- (PayloadStored, in observations.sql, finds files already stored.)

-- name: TryCollectorLock
-- A session-level advisory lock per collector, held on a dedicated
-- connection for the length of a run. The first key marks the lock as a
-- bizenv collector's ("bize" in ASCII); the second is the name's hash.
SELECT pg_try_advisory_lock(1651079781, hashtext($1))

-- name: CollectorUnlock
SELECT pg_advisory_unlock(1651079781, hashtext($1))

