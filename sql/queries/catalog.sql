-- name: UpsertIndicator
INSERT INTO indicators (code, name_zh, name_en, unit, direction, category, target, description, owner, frequency)
VALUES (:code, :name_zh, :name_en, :unit, :direction, :category, :target, :description, :owner, :frequency)
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, unit = EXCLUDED.unit,
    direction = EXCLUDED.direction, category = EXCLUDED.category, target = EXCLUDED.target,
    description = EXCLUDED.description, owner = EXCLUDED.owner, frequency = EXCLUDED.frequency,
    updated_at = now()
WHERE (indicators.name_zh, indicators.name_en, indicators.unit, indicators.direction, indicators.category,
       indicators.target, indicators.description, indicators.owner, indicators.frequency)
      IS DISTINCT FROM
      (EXCLUDED.name_zh, EXCLUDED.name_en, EXCLUDED.unit, EXCLUDED.direction, EXCLUDED.category,
       EXCLUDED.target, EXCLUDED.description, EXCLUDED.owner, EXCLUDED.frequency)

-- name: UpsertEntity
INSERT INTO entities (code, name_zh, name_en, kind, parent, benchmark)
VALUES (:code, :name_zh, :name_en, :kind, NULLIF(:parent, ''), NULLIF(:benchmark, ''))
ON CONFLICT (code) DO UPDATE SET
    name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, kind = EXCLUDED.kind,
    parent = EXCLUDED.parent, benchmark = EXCLUDED.benchmark, updated_at = now()
WHERE (entities.name_zh, entities.name_en, entities.kind, entities.parent, entities.benchmark)
      IS DISTINCT FROM
      (EXCLUDED.name_zh, EXCLUDED.name_en, EXCLUDED.kind, EXCLUDED.parent, EXCLUDED.benchmark)

-- name: Indicators
SELECT code, name_zh, name_en, unit, direction, category, target, description, owner, frequency
FROM indicators ORDER BY code

-- name: Entities
SELECT code, name_zh, name_en, kind, COALESCE(parent, '') AS parent, COALESCE(benchmark, '') AS benchmark
FROM entities ORDER BY code
