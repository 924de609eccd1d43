-- Peer ranks behind /metrics (SPEC section 6), read in the snapshot's
-- transaction.

-- name: SnapshotPeerRanks
-- For every non-neutral indicator and every entity that has peers (other
-- entities of its kind under its parent), at the entity's latest period:
-- how many peers (the entity included) have a value then, its competition
-- rank among them (1 + the number strictly better, by direction, so ties
-- share a rank: 1, 1, 3) and its last-place streak: the consecutive periods
-- (by frequency), ending at the latest, in which no peer was worse and at
-- least one was better. A period without the entity's value ends the
-- streak. Ranks are left to the caller when fewer than two peers have a
-- value.
--
-- Like SnapshotSeries, the cost follows the catalog and the streaks: one
-- probe of the primary key per peer at the latest period, and a walk back
-- only for entities that are last.
WITH RECURSIVE pairs AS MATERIALIZED (
    SELECT e.code AS entity, p.code AS peer
    FROM entities e
    JOIN entities p ON p.parent = e.parent AND p.kind = e.kind
    WHERE e.parent IS NOT NULL
      AND EXISTS (SELECT FROM entities o WHERE o.parent = e.parent AND o.kind = e.kind AND o.code <> e.code)
), latest AS (
    SELECT i.code AS indicator, e.entity,
           CASE i.direction WHEN 'higher_better' THEN 1 ELSE -1 END AS sign,
           CASE i.frequency WHEN 'annual' THEN 12 ELSE 1 END AS step,
           o.period, o.value
    FROM indicators i
    CROSS JOIN (SELECT DISTINCT entity FROM pairs) e
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = i.code AND entity = e.entity
        ORDER BY period DESC
        LIMIT 1
    ) o
    WHERE i.direction <> 'neutral'
), standing AS (
    SELECT l.indicator, l.entity, l.sign, l.step, l.period, l.value,
           count(*) AS peers,
           count(*) FILTER (WHERE (q.value - l.value) * l.sign > 0) AS better,
           count(*) FILTER (WHERE (q.value - l.value) * l.sign < 0) AS worse
    FROM latest l
    JOIN pairs pr ON pr.entity = l.entity
    JOIN observations q ON q.indicator = l.indicator AND q.entity = pr.peer AND q.period = l.period
    GROUP BY l.indicator, l.entity, l.sign, l.step, l.period, l.value
), walk AS (
    -- depth n: the entity was last in the n periods ending at the latest.
    SELECT indicator, entity, sign, step, period, value, 1 AS depth
    FROM standing
    WHERE worse = 0 AND better > 0
    UNION ALL
    SELECT w.indicator, w.entity, w.sign, w.step, p.period, p.value, w.depth + 1
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = w.indicator AND entity = w.entity
            AND period = (w.period - make_interval(months => w.step))::date
        LIMIT 1
    ) p
    WHERE NOT EXISTS (
            SELECT FROM pairs pr
            JOIN observations q ON q.indicator = w.indicator AND q.entity = pr.peer AND q.period = p.period
            WHERE pr.entity = w.entity AND (q.value - p.value) * w.sign < 0)
      AND EXISTS (
            SELECT FROM pairs pr
            JOIN observations q ON q.indicator = w.indicator AND q.entity = pr.peer AND q.period = p.period
            WHERE pr.entity = w.entity AND (q.value - p.value) * w.sign > 0)
)
SELECT s.indicator, s.entity, s.peers, s.better + 1 AS rank,
       COALESCE((SELECT max(depth) FROM walk w WHERE w.indicator = s.indicator AND w.entity = s.entity), 0) AS last_place_streak
FROM standing s
ORDER BY s.indicator, s.entity
