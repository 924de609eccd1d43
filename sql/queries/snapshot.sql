-- The snapshot of every series and collector behind /metrics. The queries
-- run together in one read-only REPEATABLE READ transaction, so a snapshot
-- sees one committed state.

-- name: DataVersion
-- Bumped by every committed change to observations, runs or the catalog.
SELECT version FROM data_version

-- name: SnapshotNoJIT
-- The recursive walk below makes the planner overestimate the cost badly
-- enough to JIT-compile a query that runs in milliseconds, for hundreds.
SET LOCAL jit = off

-- name: SnapshotSeries
-- The latest period of every (indicator, entity), or of the entities in $1
-- when it is not NULL, with its value one step
-- before (a month, or a year for annual indicators), its decline streak with
-- where the streak started (the period before its first decline, and its
-- value; NULL without a streak) and its benchmark's value in the same period.
--
-- Cost follows the catalog and the streaks, not the length of the history:
-- the latest period is one primary-key probe per (indicator, entity); the
-- walk then steps back one probe at a time, first to the previous value and
-- on for as long as each step declined: later < earlier when sign is +1
-- (higher_better), later > earlier when it is -1 (lower_better); neutral (0)
-- never declines. A missing period ends the walk. The step compares and never
-- subtracts: the difference of two finite doubles can overflow, and one
-- extreme value stored must not fail the query for every series. (Window functions over
-- the whole history ran 30 times slower on ten years of data.)
WITH RECURSIVE latest AS (
    SELECT i.code AS indicator, e.code AS entity, e.benchmark,
           CASE i.direction WHEN 'higher_better' THEN 1 WHEN 'lower_better' THEN -1 ELSE 0 END AS sign,
           -- compare: year_ago judges a month against the same month a
           -- year earlier (year-to-date series restart every January).
           CASE WHEN i.frequency = 'annual' OR i.compare = 'year_ago' THEN 12 ELSE 1 END AS step,
           o.period, o.value
    FROM indicators i
    CROSS JOIN entities e
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = i.code AND entity = e.code
        ORDER BY period DESC
        LIMIT 1
    ) o
    WHERE $1::text[] IS NULL OR e.code = ANY ($1) -- only these entities, when given
), walk AS (
    -- depth 0 is the latest period, depth 1 the previous one; declined says
    -- whether the row one step later declined against this one.
    SELECT indicator, entity, sign, step, period, value, 0 AS depth, true AS declined FROM latest
    UNION ALL
    SELECT w.indicator, w.entity, w.sign, w.step, p.period, p.value, w.depth + 1,
           CASE w.sign WHEN 1 THEN w.value < p.value WHEN -1 THEN w.value > p.value ELSE false END
    FROM walk w
    CROSS JOIN LATERAL (
        -- LIMIT keeps this a probe of the primary key: as a plain join the
        -- planner hashes the whole table for a walk of a few steps.
        SELECT period, value FROM observations
        WHERE indicator = w.indicator AND entity = w.entity
            AND period = (w.period - make_interval(months => w.step))::date
        LIMIT 1
    ) p
    WHERE w.declined
), trend AS (
    SELECT indicator, entity,
           min(value) FILTER (WHERE depth = 1) AS previous,
           count(*) FILTER (WHERE depth > 0 AND declined) AS decline_streak,
           -- The declined rows are depths 0 to the streak, so the deepest
           -- of them is where the streak started (the latest itself when
           -- there is none).
           (array_agg(period ORDER BY depth DESC) FILTER (WHERE declined))[1] AS streak_start,
           (array_agg(value ORDER BY depth DESC) FILTER (WHERE declined))[1] AS streak_start_value
    FROM walk
    GROUP BY indicator, entity
)
SELECT l.indicator, l.entity, l.period, l.value, t.previous, t.decline_streak,
       CASE WHEN t.decline_streak > 0 THEN t.streak_start END AS decline_since,
       CASE WHEN t.decline_streak > 0 THEN t.streak_start_value END AS decline_from,
       COALESCE(l.benchmark, '') AS benchmark, b.value AS benchmark_value
FROM latest l
JOIN trend t USING (indicator, entity)
-- A probe per series, as above: as a plain join the planner hashes the
-- whole history once it is national.
LEFT JOIN LATERAL (
    SELECT value FROM observations
    WHERE indicator = l.indicator AND entity = l.benchmark AND period = l.period
    LIMIT 1
) b ON true
ORDER BY l.entity, l.indicator

-- name: MetricsChangedSince
-- The entities whose observations a write committed after version $1 may
-- have changed, and whether everything may have (a catalog change).
SELECT COALESCE(bool_or(scope = '*'), false) AS everything,
       COALESCE(array_agg(scope) FILTER (WHERE scope <> '*'), '{}') AS entities
FROM metrics_changes
WHERE version > $1

-- name: SnapshotCollectors
-- Every collector's health from its recorded runs. A run is finished once
-- it has an end; partial runs count as successes. Dry runs stored nothing
-- and are left out. runs, latest and latest_outcome count the runs under
-- way too.
SELECT name,
       count(*) AS runs,
       (array_agg(started_at ORDER BY started_at DESC, id DESC))[1] AS latest,
       (array_agg(outcome ORDER BY started_at DESC, id DESC))[1] AS latest_outcome,
       (array_agg(started_at ORDER BY started_at DESC, id DESC) FILTER (WHERE finished_at IS NOT NULL))[1] AS last_run,
       COALESCE((array_agg(outcome IN ('success', 'partial') ORDER BY started_at DESC, id DESC)
                 FILTER (WHERE finished_at IS NOT NULL))[1], false) AS last_run_succeeded,
       max(finished_at) FILTER (WHERE outcome IN ('success', 'partial')) AS last_success,
       count(*) FILTER (WHERE finished_at IS NOT NULL AND outcome IN ('success', 'partial')) AS succeeded,
       count(*) FILTER (WHERE finished_at IS NOT NULL AND outcome = 'failure') AS failed,
       sum(inserted) AS inserted,
       sum(updated) AS updated,
       sum(unchanged) AS unchanged,
       sum(rejected) AS rejected
FROM runs
WHERE kind = 'collector' AND NOT dry_run
GROUP BY name
ORDER BY name
