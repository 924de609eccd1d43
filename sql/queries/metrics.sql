-- Queries behind /metrics. They run together in one read-only REPEATABLE
-- READ transaction, so a scrape sees one committed state.

-- name: SnapshotSeries
-- The latest period of every (indicator, entity) with its value one step
-- before (a month, or a year for annual indicators), its decline streak and
-- its benchmark's value in the same period.
--
-- Cost follows the catalog, not the history: the latest period is one index
-- probe per (indicator, entity), and the streak walks back one probe per
-- declining step, stopping at the first step that did not decline or has
-- no value. Decline is (later - earlier) * sign < 0, with sign +1 for
-- higher_better, -1 for lower_better and 0 for neutral, which so never
-- declines.
WITH RECURSIVE latest AS (
    SELECT i.code AS indicator, e.code AS entity, e.benchmark,
           CASE i.direction WHEN 'higher_better' THEN 1 WHEN 'lower_better' THEN -1 ELSE 0 END AS sign,
           CASE i.frequency WHEN 'annual' THEN 12 ELSE 1 END AS step,
           o.period, o.value
    FROM indicators i
    CROSS JOIN entities e
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = i.code AND entity = e.code
        ORDER BY period DESC
        LIMIT 1
    ) o
), walk AS (
    SELECT indicator, entity, sign, step, period, value, 0 AS streak FROM latest
    UNION ALL
    SELECT w.indicator, w.entity, w.sign, w.step, p.period, p.value, w.streak + 1
    FROM walk w
    JOIN observations p ON p.indicator = w.indicator AND p.entity = w.entity
        AND p.period = (w.period - make_interval(months => w.step))::date
    WHERE (w.value - p.value) * w.sign < 0
), streaks AS (
    SELECT indicator, entity, max(streak) AS streak FROM walk GROUP BY indicator, entity
)
SELECT l.indicator, l.entity, l.period, l.value,
       prev.value AS previous,
       s.streak AS decline_streak,
       COALESCE(l.benchmark, '') AS benchmark,
       b.value AS benchmark_value
FROM latest l
JOIN streaks s USING (indicator, entity)
LEFT JOIN observations prev ON prev.indicator = l.indicator AND prev.entity = l.entity
    AND prev.period = (l.period - make_interval(months => l.step))::date
LEFT JOIN observations b ON b.indicator = l.indicator AND b.entity = l.benchmark AND b.period = l.period
ORDER BY l.indicator, l.entity

-- name: SnapshotCollectors
-- Every collector's health from its recorded runs. A run is finished once
-- it has an end; partial runs count as successes. Dry runs stored nothing
-- and are left out.
SELECT name,
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
