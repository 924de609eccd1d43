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
-- value. With $1 not NULL, only the entities in $1, which must hold every
-- peer of each (postgres.withPeers).
--
-- Like SnapshotSeries, the cost follows the catalog and the streaks: one
-- probe of the primary key per peer at the latest period, and a walk back
-- only for entities that are last.
WITH RECURSIVE pairs AS MATERIALIZED (
    -- Every entity with peers, paired with each of them, itself included.
    -- Entities without a parent (countries, say) are peers of the others
    -- of their kind without one, as the rankings API has them.
    SELECT e.code AS entity, p.code AS peer
    FROM entities e
    JOIN entities p ON COALESCE(p.parent, '') = COALESCE(e.parent, '') AND p.kind = e.kind
    WHERE EXISTS (SELECT FROM entities o
                  WHERE COALESCE(o.parent, '') = COALESCE(e.parent, '') AND o.kind = e.kind AND o.code <> e.code)
), peer_sets AS (
    SELECT entity, array_agg(peer) AS peers FROM pairs
    WHERE $1::text[] IS NULL OR entity = ANY ($1) -- only these entities, when given: whole peer groups
    GROUP BY entity
), latest AS MATERIALIZED (
    SELECT i.code AS indicator, e.entity, e.peers,
           CASE i.direction WHEN 'higher_better' THEN 1 ELSE -1 END AS sign,
           CASE i.frequency WHEN 'annual' THEN 12 ELSE 1 END AS step,
           o.period, o.value
    FROM indicators i
    CROSS JOIN peer_sets e
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = i.code AND entity = e.entity
        ORDER BY period DESC
        LIMIT 1
    ) o
    WHERE i.direction <> 'neutral'
), counts AS (
    -- Each peer's value in the entity's latest period. That is the peer's
    -- own latest value when their latest periods agree, which they mostly
    -- do: matched in memory, without a probe. Only a peer whose latest
    -- period is later is probed for its value then; one whose latest is
    -- earlier has none.
    SELECT l.indicator, l.entity,
           count(*) AS peer_count,
           count(*) FILTER (WHERE (v.value - l.value) * l.sign > 0) AS better,
           count(*) FILTER (WHERE (v.value - l.value) * l.sign < 0) AS worse
    FROM latest l
    JOIN pairs pr ON pr.entity = l.entity
    JOIN latest l2 ON l2.indicator = l.indicator AND l2.entity = pr.peer AND l2.period >= l.period
    CROSS JOIN LATERAL (
        SELECT l2.value WHERE l2.period = l.period
        UNION ALL
        SELECT q.value FROM observations q
        WHERE l2.period > l.period AND q.indicator = l.indicator AND q.entity = l2.entity AND q.period = l.period
    ) v
    GROUP BY l.indicator, l.entity
), standing AS (
    SELECT l.*, c.peer_count, c.better, c.worse
    FROM latest l JOIN counts c USING (indicator, entity)
), walk AS (
    -- depth n: the entity was last in the n periods ending at the latest.
    SELECT indicator, entity, peers, sign, step, period, value, 1 AS depth
    FROM standing
    WHERE worse = 0 AND better > 0
    UNION ALL
    SELECT w.indicator, w.entity, w.peers, w.sign, w.step, p.period, p.value, w.depth + 1
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT period, value FROM observations
        WHERE indicator = w.indicator AND entity = w.entity
            AND period = (w.period - make_interval(months => w.step))::date
        LIMIT 1
    ) p
    WHERE NOT EXISTS (
            SELECT FROM observations q
            WHERE q.indicator = w.indicator AND q.entity = ANY(w.peers) AND q.period = p.period
              AND (q.value - p.value) * w.sign < 0)
      AND EXISTS (
            SELECT FROM observations q
            WHERE q.indicator = w.indicator AND q.entity = ANY(w.peers) AND q.period = p.period
              AND (q.value - p.value) * w.sign > 0)
), streaks AS (
    SELECT indicator, entity, max(depth) AS last_place_streak FROM walk GROUP BY indicator, entity
)
SELECT s.indicator, s.entity, s.peer_count, s.better + 1 AS rank, COALESCE(k.last_place_streak, 0) AS last_place_streak
FROM standing s
LEFT JOIN streaks k USING (indicator, entity)
ORDER BY s.indicator, s.entity
