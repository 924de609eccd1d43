// Package sql holds bizenv's schema migrations (goose) and its named
// queries, embedded so the binary carries them.
package sql

import "embed"

// Migrations holds migrations/*.sql, applied in order by goose.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Queries holds queries/*.sql: blocks introduced by "-- name: X".
//
//go:embed queries/*.sql
var Queries embed.FS
