-- Aliases of indicators and entities (catalog_aliases).

-- name: Aliases
-- Every alias, in the order the catalog lists them.
SELECT kind, code, alias
FROM catalog_aliases
ORDER BY kind, code, position

-- name: DeleteAliases
-- All aliases of one record ($1 kind, $2 code), before its new ones.
DELETE FROM catalog_aliases WHERE kind = $1 AND code = $2

-- name: InsertAlias
INSERT INTO catalog_aliases (kind, code, alias, position) VALUES ($1, $2, $3, $4)

-- name: UserCatalogCodes
-- The records a user's catalog set, which the embedded default never
-- writes again: their aliases are the user's too.
SELECT 'indicator' AS kind, code FROM indicators WHERE origin = 'user'
UNION ALL
SELECT 'entity', code FROM entities WHERE origin = 'user'
