package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/postgres"
)

const actionsUsage = "usage: bizenv actions import [--dry-run] FILE... | bizenv actions list [--owner CODE] [--status S] [--overdue] [--format table|json|csv]"

// runActions is the rectification ledger's command (SPEC section 11).
func runActions(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		return &exitError{code: exitUsage, err: errors.New(actionsUsage)}
	}
	switch args[0] {
	case "import":
		return runActionsImport(ctx, env, args[1:])
	case "list":
		return runActionsList(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.stdout, actionsUsage)
		return nil
	}
	return &exitError{code: exitUsage, err: errors.New(actionsUsage)}
}

func runActionsImport(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("actions import", env)
	dryRun, sheet, actor := fileImportFlags(fs, "change")
	if err := parseFileImport(env, fs, args, actor, "usage: bizenv actions import [--dry-run] FILE [FILE ...]"); err != nil {
		return err
	}
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	in := bizenv.ActionImport{Notes: map[string]string{}, Files: map[string]string{}, Actor: *actor, DryRun: *dryRun}
	var rejects []bizenv.Reject
	seen := map[string]string{}
	for _, path := range fs.Args() {
		content, err := os.ReadFile(path)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("actions import: %w", err)}
		}
		l := ingest.LedgerFile(path, content, *sheet, cat, seen)
		in.Actions = append(in.Actions, l.Actions...)
		for id, n := range l.Notes {
			in.Notes[id] = n
		}
		for id, f := range l.Files {
			in.Files[id] = f
		}
		rejects = append(rejects, l.Rejects...)
	}
	for _, r := range rejects {
		fmt.Fprintln(env.stderr, formatReject(r, chinese(env)))
	}
	if len(rejects) > 0 {
		// All-or-nothing, as import is: one bad row stores nothing.
		format := "actions import: %d rejected: nothing stored (all-or-nothing)\n"
		if chinese(env) {
			format = "整改台账导入：拒绝 %d 条：未保存任何数据（全部或全不）\n"
		}
		fmt.Fprintf(env.stdout, format, len(rejects))
		return rejectedError(env, len(rejects))
	}
	counts, err := postgres.NewActionStore(db.DB, time.Now).ImportActions(ctx, in)
	if err != nil {
		return err
	}
	verb := "stored"
	if *dryRun {
		verb = "dry run, nothing stored"
	}
	fmt.Fprintf(env.stdout, "actions import: %d inserted, %d updated, %d unchanged: %s\n",
		counts.Inserted, counts.Updated, counts.Unchanged, verb)
	return nil
}

func runActionsList(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("actions list", env)
	owner := fs.String("owner", "", "only this responsible unit's actions (code or Chinese name)")
	status := fs.String("status", "", "only actions in this status: open, in_progress, done, ongoing (or in Chinese)")
	overdue := fs.Bool("overdue", false, "only open actions past their due date (today in Asia/Shanghai)")
	format := fs.String("format", "table", "output format: table, json or csv")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("actions list: unexpected argument %q", fs.Arg(0))}
	}
	var f bizenv.ActionFilter
	if *status != "" {
		st, err := bizenv.ParseActionStatus(*status)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("actions list: --status: %w", err)}
		}
		f.Status = st
	}
	f.Overdue = *overdue
	if *format != "table" && *format != "json" && *format != "csv" {
		return &exitError{code: exitUsage, err: fmt.Errorf("actions list: --format %q: want table, json or csv", *format)}
	}
	// A read command never writes: no migration, no catalog.
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if *owner != "" {
		cat, err := db.Catalog(ctx)
		if err != nil {
			return err
		}
		u, ok := cat.LookupEntity(*owner)
		if !ok {
			return &exitError{code: exitUsage, err: fmt.Errorf("actions list: --owner: unknown unit %q", *owner)}
		}
		f.Owner = u.Code
	}
	actions, err := postgres.NewActionStore(db.DB, time.Now).Actions(ctx, f)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(env.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(actions)
	case "csv":
		w := csv.NewWriter(env.stdout)
		w.Write([]string{"id", "owner", "status", "opened", "due", "closed", "overdue", "days_overdue", "indicators", "origin", "problem", "measure", "source"})
		for _, a := range actions {
			w.Write([]string{a.ID, a.Owner, string(a.Status), a.Opened.String(), a.Due.String(), a.Closed.String(),
				strconv.FormatBool(a.Overdue), strconv.Itoa(a.DaysOverdue), strings.Join(a.Indicators, " "),
				a.Origin, a.Problem, a.Measure, a.Source})
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOWNER\tSTATUS\tDUE\tOVERDUE\tPROBLEM")
	for _, a := range actions {
		late := ""
		if a.Overdue {
			late = fmt.Sprintf("%d days", a.DaysOverdue)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Owner, a.Status, a.Due, late, shorten(a.Problem, 40))
	}
	return tw.Flush()
}

// shorten cuts s to n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
