-- name: UpsertIndicator
-- Writes an indicator of a catalog whose origin is 'user' or 'default'.
-- A user's catalog writes any row, and the row is the user's from now on.
-- The embedded default catalog adds a missing row and follows a release's
-- changes on rows no user has set, never on a user's row.
INSERT INTO indicators (code, name_zh, name_en, unit, direction, category, target, description, owner, frequency,
                        compare, part_of, max_points, alert_min_change, origin)
VALUES (:code, :name_zh, :name_en, :unit, :direction, :category, :target, :description, :owner, :frequency,
        :compare, NULLIF(:part_of, ''), :max_points, :alert_min_change, :origin)
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, unit = EXCLUDED.unit,
    direction = EXCLUDED.direction, category = EXCLUDED.category, target = EXCLUDED.target,
    description = EXCLUDED.description, owner = EXCLUDED.owner, frequency = EXCLUDED.frequency,
    compare = EXCLUDED.compare, part_of = EXCLUDED.part_of, max_points = EXCLUDED.max_points,
    alert_min_change = EXCLUDED.alert_min_change,
    origin = EXCLUDED.origin, updated_at = now()
WHERE (EXCLUDED.origin = 'user' OR indicators.origin = 'default')
  AND (indicators.name_zh, indicators.name_en, indicators.unit, indicators.direction, indicators.category,
       indicators.target, indicators.description, indicators.owner, indicators.frequency,
       indicators.compare, indicators.part_of, indicators.max_points, indicators.alert_min_change, indicators.origin)
      IS DISTINCT FROM
      (EXCLUDED.name_zh, EXCLUDED.name_en, EXCLUDED.unit, EXCLUDED.direction, EXCLUDED.category,
       EXCLUDED.target, EXCLUDED.description, EXCLUDED.owner, EXCLUDED.frequency,
       EXCLUDED.compare, EXCLUDED.part_of, EXCLUDED.max_points, EXCLUDED.alert_min_change, EXCLUDED.origin)

-- name: UpsertEntity
-- Writes an entity of a catalog whose origin is 'user' or 'default', as
-- UpsertIndicator does.
INSERT INTO entities (code, name_zh, name_en, kind, parent, benchmark, origin)
VALUES (:code, :name_zh, :name_en, :kind, NULLIF(:parent, ''), NULLIF(:benchmark, ''), :origin)
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
    parent = EXCLUDED.parent, benchmark = EXCLUDED.benchmark, origin = EXCLUDED.origin, updated_at = now()
WHERE (EXCLUDED.origin = 'user' OR entities.origin = 'default')
  AND (entities.name_zh, entities.name_en, entities.kind, entities.parent, entities.benchmark, entities.origin)
      IS DISTINCT FROM
      (EXCLUDED.name_zh, EXCLUDED.name_en, EXCLUDED.kind, EXCLUDED.parent, EXCLUDED.benchmark, EXCLUDED.origin)

-- name: Indicators
SELECT code, name_zh, name_en, unit, direction, category, target, description, owner, frequency,
       compare, COALESCE(part_of, '') AS part_of, max_points, alert_min_change
FROM indicators ORDER BY code

-- name: Entities
SELECT code, name_zh, name_en, kind, COALESCE(parent, '') AS parent, COALESCE(benchmark, '') AS benchmark
FROM entities ORDER BY code

-- name: HasSchema
-- Whether bizenv's migrations ever ran here, read without creating anything.
SELECT to_regclass('goose_db_version') IS NOT NULL
