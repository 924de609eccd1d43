package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
)

func runCatalog(ctx context.Context, env *environment, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintln(env.stdout, "usage: bizenv catalog apply [FLAGS] FILE | bizenv catalog show [FLAGS]\n\nRun 'bizenv catalog apply --help' for the flags.")
		return nil
	}
	if len(args) == 0 || (args[0] != "apply" && args[0] != "show") {
		return &exitError{code: exitUsage, err: errors.New("usage: bizenv catalog apply FILE | bizenv catalog show")}
	}
	fs, c := newCommandFlags("catalog "+args[0], env)
	if err := parseFlags(env, fs, args[1:]); err != nil {
		return err
	}
	if args[0] == "apply" && fs.NArg() != 1 {
		return &exitError{code: exitUsage, err: errors.New("usage: bizenv catalog apply FILE")}
	}
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "apply" {
		if err := applyCatalogFile(ctx, db.DB, fs.Arg(0)); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
		fmt.Fprintf(env.stdout, "applied %s\n", fs.Arg(0))
		return nil
	}
	cat, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	enc := yaml.NewEncoder(env.stdout)
	enc.SetIndent(2)
	defer enc.Close()
	return enc.Encode(cat)
}

func applyCatalogFile(ctx context.Context, db *postgres.DB, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	defer f.Close()
	c, err := bizenv.ParseCatalog(path, f)
	if err != nil {
		return err
	}
	return db.ApplyCatalog(ctx, c)
}
