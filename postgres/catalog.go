package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
)

// ApplyCatalog inserts or updates every indicator and entity of c in one
// transaction, as a user's catalog: what it sets stays set until another
// user's catalog changes it. A parent or benchmark must be in c or already
// stored.
func (db *DB) ApplyCatalog(ctx context.Context, c bizenv.Catalog) error {
	return db.applyCatalog(ctx, c, false)
}

// ApplyDefaultCatalog applies the catalog embedded in the binary: it adds
// the indicators and entities that are missing and brings the rows it added
// up to date with c, but never writes a row a user's catalog set (SPEC
// section 3). Nothing is written when nothing differs.
func (db *DB) ApplyDefaultCatalog(ctx context.Context, c bizenv.Catalog) error {
	return db.applyCatalog(ctx, c, true)
}

func (db *DB) applyCatalog(ctx context.Context, c bizenv.Catalog, asDefault bool) error {
	if err := c.Validate(); err != nil {
		return bizenv.Errorf(bizenv.EINVALID, "catalog: %v", err).ZH("目录有误：%s", bizenv.ErrorMessageZH(err))
	}
	stored, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	if err := c.ValidateItems(stored); err != nil {
		return bizenv.Errorf(bizenv.EINVALID, "catalog: %v", err).ZH("目录有误：%s", bizenv.ErrorMessageZH(err))
	}
	known := map[string]bool{}
	all := bizenv.Catalog{Entities: append(stored.Entities, c.Entities...)}
	for _, e := range all.Entities {
		known[e.Code] = true
	}
	for _, e := range c.Entities {
		for _, ref := range []string{e.Parent, e.Benchmark} {
			if ref != "" && !known[ref] {
				return bizenv.Errorf(bizenv.EINVALID, "catalog: entity %s: unknown entity %q", e.Code, ref).ZH("目录有误：单位 %s 引用了未知单位“%s”", e.Code, ref)
			}
		}
	}
	users := map[[2]string]bool{} // the records a user's catalog set
	if asDefault {
		var rows []struct{ Kind, Code string }
		if err := db.pool.SelectContext(ctx, &rows, db.Query("UserCatalogCodes")); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		for _, r := range rows {
			users[[2]string{r.Kind, r.Code}] = true
		}
		c = db.yieldToUsers(stored, c, users)
	}
	// An alias may clash with a record only the stored catalog has.
	if err := stored.Merge(c).CheckNames(); err != nil {
		return bizenv.Errorf(bizenv.EINVALID, "catalog: %v", err).ZH("目录有误：%s", bizenv.ErrorMessageZH(err))
	}
	tx, err := db.pool.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.applyAliases(ctx, tx, stored, c, users); err != nil {
		return err
	}
	// The rows written are the user's from now on, or the default's.
	origin := "user"
	if asDefault {
		origin = "default"
	}
	owners := all.Names()
	for _, i := range c.Indicators {
		if i.Frequency == "" {
			i.Frequency = bizenv.Monthly
		}
		if i.Compare == "" {
			i.Compare = bizenv.ComparePrevious
		}
		// An owner written as a unit's Chinese name is stored as its code;
		// one that names no unit is kept as written.
		if e, err := owners.FindEntity(i.Owner); err == nil {
			i.Owner = e.Code
		}
		if _, err := tx.NamedExecContext(ctx, db.Query("UpsertIndicator"), indicatorRow{i, origin}); err != nil {
			return fmt.Errorf("catalog: indicator %s: %w", i.Code, err)
		}
	}
	for _, e := range c.Entities {
		if _, err := tx.NamedExecContext(ctx, db.Query("UpsertEntity"), entityRow{e, origin}); err != nil {
			return fmt.Errorf("catalog: entity %s: %w", e.Code, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	return nil
}

// indicatorRow and entityRow are what UpsertIndicator and UpsertEntity
// write: a record and the origin of its catalog, "user" or "default".
type (
	indicatorRow struct {
		bizenv.Indicator
		Origin string `db:"origin"`
	}
	entityRow struct {
		bizenv.Entity
		Origin string `db:"origin"`
	}
)

// Catalog returns every stored indicator and entity, ordered by code.
func (db *DB) Catalog(ctx context.Context) (bizenv.Catalog, error) {
	var c bizenv.Catalog
	if err := db.pool.SelectContext(ctx, &c.Indicators, db.Query("Indicators")); err != nil {
		return c, fmt.Errorf("read indicators: %w", err)
	}
	if err := db.pool.SelectContext(ctx, &c.Entities, db.Query("Entities")); err != nil {
		return c, fmt.Errorf("read entities: %w", err)
	}
	var aliases []struct{ Kind, Code, Alias string }
	if err := db.pool.SelectContext(ctx, &aliases, db.Query("Aliases")); err != nil {
		return c, fmt.Errorf("read aliases: %w", err)
	}
	byKey := map[[2]string][]string{}
	for _, a := range aliases {
		k := [2]string{a.Kind, a.Code}
		byKey[k] = append(byKey[k], a.Alias)
	}
	for n, i := range c.Indicators {
		c.Indicators[n].Aliases = byKey[[2]string{"indicator", i.Code}]
	}
	for n, e := range c.Entities {
		c.Entities[n].Aliases = byKey[[2]string{"entity", e.Code}]
	}
	return c, nil
}

// yieldToUsers returns the default catalog c as it applies over stored:
// the records a user's catalog set (users) are as stored, and an alias
// of c that one of their names already has is left out, logged, so that a
// release adding an alias a user gave to another record does not stop the
// server from starting. The user's name stands.
func (db *DB) yieldToUsers(stored, c bizenv.Catalog, users map[[2]string]bool) bizenv.Catalog {
	var theirs bizenv.Catalog
	for _, i := range stored.Indicators {
		if users[[2]string{"indicator", i.Code}] {
			theirs.Indicators = append(theirs.Indicators, i)
		}
	}
	for _, e := range stored.Entities {
		if users[[2]string{"entity", e.Code}] {
			theirs.Entities = append(theirs.Entities, e)
		}
	}
	names := theirs.Names()
	keep := func(kind, code string, aliases []string, find func(string) (string, []string)) []string {
		var out []string
		for _, a := range aliases {
			if other, codes := find(a); len(codes) > 0 && other != code {
				db.logger.Warn("default catalog alias left out: a user's catalog names another record so", kind, code, "alias", a, "user_record", strings.Join(codes, ","))
				continue
			}
			out = append(out, a)
		}
		return out
	}
	out := bizenv.Catalog{
		Indicators: slices.Clone(c.Indicators),
		Entities:   slices.Clone(c.Entities),
	}
	for n, i := range out.Indicators {
		if users[[2]string{"indicator", i.Code}] {
			out.Indicators[n], _ = stored.Indicator(i.Code)
			continue
		}
		out.Indicators[n].Aliases = keep("indicator", i.Code, i.Aliases, names.Indicator)
	}
	for n, e := range out.Entities {
		if users[[2]string{"entity", e.Code}] {
			out.Entities[n], _ = stored.Entity(e.Code)
			continue
		}
		out.Entities[n].Aliases = keep("entity", e.Code, e.Aliases, names.Entity)
	}
	return out
}

// applyAliases replaces the stored aliases of each record of c that has
// other ones. The default catalog leaves alone the records a user's
// catalog set (users), as it does their other fields.
func (db *DB) applyAliases(ctx context.Context, tx *sqlx.Tx, stored, c bizenv.Catalog, users map[[2]string]bool) error {
	set := func(kind, code string, old, aliases []string) error {
		if slices.Equal(old, aliases) || users[[2]string{kind, code}] {
			return nil
		}
		if _, err := tx.ExecContext(ctx, db.Query("DeleteAliases"), kind, code); err != nil {
			return fmt.Errorf("catalog: %s %s: %w", kind, code, err)
		}
		for n, a := range aliases {
			if slices.Contains(aliases[:n], a) {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.Query("InsertAlias"), kind, code, a, n); err != nil {
				return fmt.Errorf("catalog: %s %s: alias %q: %w", kind, code, a, err)
			}
		}
		return nil
	}
	for _, i := range c.Indicators {
		old, _ := stored.Indicator(i.Code)
		if err := set("indicator", i.Code, old.Aliases, i.Aliases); err != nil {
			return err
		}
	}
	for _, e := range c.Entities {
		old, _ := stored.Entity(e.Code)
		if err := set("entity", e.Code, old.Aliases, e.Aliases); err != nil {
			return err
		}
	}
	return nil
}
