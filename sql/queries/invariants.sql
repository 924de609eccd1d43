-- Checks of the stored history's invariants (`bizenv verify`). Each query
-- returns one violation per row as the message a person reads, at most $1
-- rows. A key is written indicator/entity/YYYY-MM.

-- name: VerifyMissingRevisions
-- Every current value has its chain: revisions 1..revision-1 are all kept.
SELECT format('%s/%s/%s: revision %s is missing (current revision %s)',
    o.indicator, o.entity, to_char(o.period, 'YYYY-MM'), g.n, o.revision) AS message
FROM observations o
CROSS JOIN LATERAL generate_series(1, o.revision - 1) AS g (n)
WHERE o.revision > 1 AND NOT EXISTS (
    SELECT 1 FROM observation_revisions r
    WHERE r.indicator = o.indicator AND r.entity = o.entity AND r.period = o.period AND r.revision = g.n)
ORDER BY o.indicator, o.entity, o.period, g.n
LIMIT $1

-- name: VerifyExtraRevisions
-- No superseded revision outside 1..revision-1 of its current value.
SELECT format('%s/%s/%s: superseded revision %s is not in 1..%s (current revision %s)',
    r.indicator, r.entity, to_char(r.period, 'YYYY-MM'), r.revision, o.revision - 1, o.revision) AS message
FROM observation_revisions r
JOIN observations o ON o.indicator = r.indicator AND o.entity = r.entity AND o.period = r.period
WHERE r.revision >= o.revision OR r.revision < 1
ORDER BY r.indicator, r.entity, r.period, r.revision
LIMIT $1

-- name: VerifyOrphanRevisions
-- No superseded revision without the current observation it led to.
SELECT format('%s/%s/%s: superseded revision %s has no current observation',
    r.indicator, r.entity, to_char(r.period, 'YYYY-MM'), r.revision) AS message
FROM observation_revisions r
WHERE NOT EXISTS (
    SELECT 1 FROM observations o
    WHERE o.indicator = r.indicator AND o.entity = r.entity AND o.period = r.period)
ORDER BY r.indicator, r.entity, r.period, r.revision
LIMIT $1

-- name: VerifyCatalogCodes
-- Every stored value's indicator and entity are in the catalog.
SELECT message FROM (
    SELECT h.indicator, h.entity, h.period, h.revision, 1 AS which,
        format('%s/%s/%s revision %s: indicator %s is not in the catalog',
            h.indicator, h.entity, to_char(h.period, 'YYYY-MM'), h.revision, h.indicator) AS message
    FROM observation_history h
    WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.code = h.indicator)
    UNION ALL
    SELECT h.indicator, h.entity, h.period, h.revision, 2,
        format('%s/%s/%s revision %s: entity %s is not in the catalog',
            h.indicator, h.entity, to_char(h.period, 'YYYY-MM'), h.revision, h.entity)
    FROM observation_history h
    WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.code = h.entity)
) v
ORDER BY indicator, entity, period, revision, which
LIMIT $1

-- name: VerifyValues
-- Every stored value is a finite number, and a ratio lies in [0,1]. (In
-- PostgreSQL NaN equals NaN, so the table's CHECK (value = value) lets it in.)
SELECT message FROM (
    SELECT h.indicator, h.entity, h.period, h.revision,
        CASE
        WHEN h.value IN ('NaN', 'Infinity', '-Infinity') THEN
            format('%s/%s/%s revision %s: value %s is not a finite number',
                h.indicator, h.entity, to_char(h.period, 'YYYY-MM'), h.revision, h.value)
        ELSE
            format('%s/%s/%s revision %s: ratio %s is outside [0,1]',
                h.indicator, h.entity, to_char(h.period, 'YYYY-MM'), h.revision, h.value)
        END AS message
    FROM observation_history h
    LEFT JOIN indicators i ON i.code = h.indicator
    WHERE h.value IN ('NaN', 'Infinity', '-Infinity')
       OR (i.unit = 'ratio' AND (h.value < 0 OR h.value > 1))
) v
ORDER BY indicator, entity, period, revision
LIMIT $1

-- name: VerifyRunCounts
-- A finished run's counts match what it stored (of its rejects, up to
-- 1000). A later revision moves a run's row to observation_revisions, so
-- rows are counted in the history:
-- inserted rows have revision 1, updated ones a higher revision. Rows that
-- name a run which does not exist or is still running are violations too:
-- a run's rows are committed with its finish.
WITH stored AS (
    SELECT run_id,
        count(*) FILTER (WHERE revision = 1) AS inserted,
        count(*) FILTER (WHERE revision > 1) AS updated
    FROM observation_history WHERE run_id IS NOT NULL GROUP BY run_id
), rejected AS (
    SELECT run_id, count(*) AS rejected FROM rejects GROUP BY run_id
)
SELECT message FROM (
    SELECT r.id AS run_id, f.n,
        format('run %s (%s %s): recorded %s %s, but %s stored',
            r.id, r.kind, r.name, f.recorded, f.field, f.found) AS message
    FROM runs r
    LEFT JOIN stored s ON s.run_id = r.id
    LEFT JOIN rejected j ON j.run_id = r.id
    CROSS JOIN LATERAL (VALUES
        (1, 'inserted', r.inserted::bigint, coalesce(s.inserted, 0)),
        (2, 'updated', r.updated::bigint, coalesce(s.updated, 0)),
        -- Of its rejects a run stores the first 1000 (bizenv.MaxStoredRejects).
        (3, 'rejected', least(r.rejected, 1000)::bigint, coalesce(j.rejected, 0))
    ) AS f (n, field, recorded, found)
    WHERE r.outcome <> 'running' AND NOT r.dry_run AND f.recorded <> f.found
    UNION ALL
    SELECT s.run_id, 4,
        format('%s stored row(s) name run %s, which %s', s.inserted + s.updated, s.run_id,
            CASE WHEN r.id IS NULL THEN 'does not exist' ELSE 'is still running' END)
    FROM stored s LEFT JOIN runs r ON r.id = s.run_id
    WHERE r.id IS NULL OR r.outcome = 'running'
) v
ORDER BY run_id, n
LIMIT $1

-- name: VerifyLongRunning
-- Runs still running after $2: a warning, since a long import may be
-- legitimate; dead ones are failed by FailDeadRuns.
SELECT format('run %s (%s %s) has been running since %s',
    id, kind, name, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS message
FROM runs
WHERE outcome = 'running' AND started_at < now() - make_interval(secs => $2::double precision)
ORDER BY id
LIMIT $1
