package main

import (
	"context"

	"github.com/bizenv/bizenv"
)

// migrate brings an open database up to date: it applies the pending
// migrations, adds what is missing from the default catalog and applies the
// user's catalog files given. Only migrate and serve call it; the other
// commands open the database with openMigrated, which changes nothing.
func migrate(ctx context.Context, db *database, catalogFiles ...string) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := db.ApplyDefaultCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		return err
	}
	for _, f := range catalogFiles {
		if err := applyCatalogFile(ctx, db.DB, f); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	return nil
}

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("migrate", env)
	catalogFile := fs.String("catalog.file", "", "a catalog file applied after the default catalog")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	logger := c.logger(env)
	var files []string
	if *catalogFile != "" {
		files = append(files, *catalogFile)
	}
	db, err := c.openDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrate(ctx, db, files...); err != nil {
		return err
	}
	logger.Info("schema migrated and catalog applied")
	return nil
}
