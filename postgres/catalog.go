package postgres

import (
	"context"
	"fmt"

	"github.com/bizenv/bizenv"
)

var _ bizenv.CatalogStore = (*DB)(nil)

// ApplyCatalog inserts or updates every indicator and entity of c in one
// transaction, as a user's catalog: what it sets stays set until another
// user's catalog changes it. A parent or benchmark must be in c or already
// stored.
func (db *DB) ApplyCatalog(ctx context.Context, c bizenv.Catalog) error {
	return db.applyCatalog(ctx, c, "UpsertIndicator", "UpsertEntity")
}

// ApplyDefaultCatalog applies the catalog embedded in the binary: it adds
// the indicators and entities that are missing and brings the rows it added
// up to date with c, but never writes a row a user's catalog set (SPEC
// section 3). Nothing is written when nothing differs.
func (db *DB) ApplyDefaultCatalog(ctx context.Context, c bizenv.Catalog) error {
	return db.applyCatalog(ctx, c, "UpsertDefaultIndicator", "UpsertDefaultEntity")
}

func (db *DB) applyCatalog(ctx context.Context, c bizenv.Catalog, upsertIndicator, upsertEntity string) error {
	if err := c.Validate(); err != nil {
		return bizenv.Errorf(bizenv.EINVALID, "catalog: %v", err)
	}
	stored, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	all := bizenv.Catalog{Entities: append(stored.Entities, c.Entities...)}
	for _, e := range all.Entities {
		known[e.Code] = true
	}
	for _, e := range c.Entities {
		for _, ref := range []string{e.Parent, e.Benchmark} {
			if ref != "" && !known[ref] {
				return bizenv.Errorf(bizenv.EINVALID, "catalog: entity %s: unknown entity %q", e.Code, ref)
			}
		}
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, i := range c.Indicators {
		if i.Frequency == "" {
			i.Frequency = bizenv.Monthly
		}
		// An owner written as a unit's Chinese name is stored as its code;
		// one that names no unit is kept as written.
		if e, ok := all.LookupEntity(i.Owner); ok {
			i.Owner = e.Code
		}
		if _, err := tx.NamedExecContext(ctx, db.Query(upsertIndicator), i); err != nil {
			return fmt.Errorf("catalog: indicator %s: %w", i.Code, err)
		}
	}
	for _, e := range c.Entities {
		if _, err := tx.NamedExecContext(ctx, db.Query(upsertEntity), e); err != nil {
			return fmt.Errorf("catalog: entity %s: %w", e.Code, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	return nil
}

// Catalog returns every stored indicator and entity, ordered by code.
func (db *DB) Catalog(ctx context.Context) (bizenv.Catalog, error) {
	var c bizenv.Catalog
	if err := db.SelectContext(ctx, &c.Indicators, db.Query("Indicators")); err != nil {
		return c, fmt.Errorf("read indicators: %w", err)
	}
	if err := db.SelectContext(ctx, &c.Entities, db.Query("Entities")); err != nil {
		return c, fmt.Errorf("read entities: %w", err)
	}
	return c, nil
}
