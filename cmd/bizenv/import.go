package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("import", env)
	dryRun, sheet, actor := fileImportFlags(fs, "revision")
	allowPartial := fs.Bool("allow-partial", false, "store the good rows even when some are rejected")
	if err := parseFileImport(env, fs, args, actor, "usage: bizenv import [--dry-run] [--allow-partial] FILE [FILE ...]"); err != nil {
		return err
	}
	logger := c.logger(env)
	start := time.Now()
	// The import holds its files and their observations until it ends:
	// collecting garbage less often saves a sixth of its CPU time.
	if env.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	// The files are read while the database is opened and prepared:
	// reading needs no catalog, only checking the rows does.
	type readFiles struct {
		tables []*ingest.LongFileTable
		err    error
	}
	read := make(chan readFiles, 1)
	go func() {
		var r readFiles
		for _, path := range fs.Args() {
			content, err := os.ReadFile(path)
			if err != nil {
				r.err = &exitError{code: exitUsage, err: fmt.Errorf("import: %w", err)}
				break
			}
			r.tables = append(r.tables, ingest.ReadLongFileTable(path, content, *sheet))
		}
		read <- r
	}()
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Debug("prepared", "since_start", time.Since(start))
	files := <-read
	if files.err != nil {
		return files.err
	}
	batch := bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: *actor, AllowPartial: *allowPartial, DryRun: *dryRun}
	// Without a config file, months begin in the default time zone.
	loc, err := time.LoadLocation(config.DefaultTimezone)
	if err != nil {
		return err
	}
	// A file over the size limits is one more reject here (ETOOLARGE): the
	// command reports every file's problems, the API refuses the request.
	if err := ingest.ReadFiles(ctx, db, time.Now().In(loc), files.tables, &batch); err != nil && bizenv.ErrorCode(err) != bizenv.ETOOLARGE {
		return err
	}

	zh := chinese(env)
	for _, r := range batch.Rejects {
		fmt.Fprintln(env.stderr, formatReject(r, zh))
	}
	logger.Debug("files read", "observations", len(batch.Observations), "rejects", len(batch.Rejects), "since_start", time.Since(start))
	run, err := db.Store(ctx, batch)
	if err != nil {
		return err
	}
	verb, verbZH := "stored", "已保存"
	switch {
	case *dryRun:
		verb, verbZH = "dry run, nothing stored", "试运行，未保存"
	case len(batch.Rejects) > 0 && !*allowPartial:
		verb, verbZH = "nothing stored (all-or-nothing; --allow-partial stores the good rows)", "未保存任何数据（全部或全不；--allow-partial 可保存正确的行）"
	}
	format := "import: %d inserted, %d updated, %d unchanged, %d rejected: %s\n"
	if zh {
		format, verb = "导入：新增 %d 条，更新 %d 条，未变 %d 条，拒绝 %d 条：%s\n", verbZH
	}
	fmt.Fprintf(env.stdout, format, run.Inserted, run.Updated, run.Unchanged, len(batch.Rejects), verb)
	if len(batch.Rejects) > 0 {
		return rejectedError(env, len(batch.Rejects))
	}
	return nil
}

// fileImportFlags declares the flags both file imports, import and actions
// import, take; recordedOn is what the actor is recorded on.
func fileImportFlags(fs *flag.FlagSet, recordedOn string) (dryRun *bool, sheet, actor *string) {
	dryRun = fs.Bool("dry-run", false, "validate and count against what is stored, store nothing")
	sheet = fs.String("sheet", "", "XLSX sheet to read (default the first)")
	actor = fs.String("actor", "", "who is importing, recorded on every "+recordedOn+" (default $USER, else the OS user)")
	return dryRun, sheet, actor
}

// parseFileImport parses a file import's args: it wants at least one file,
// else usage is the error, and names the OS user the actor when none is
// given, since every change names who made it.
func parseFileImport(env *environment, fs *flag.FlagSet, args []string, actor *string, usage string) error {
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &exitError{code: exitUsage, err: errors.New(usage)}
	}
	if *actor == "" {
		*actor = osUser(env)
	}
	return nil
}

// osUser names who runs the program, for the audit trail: $USER, else the
// account of the process's user id (cron and systemd set no $USER), else
// that id.
func osUser(env *environment) string {
	if name := env.getenv("USER"); name != "" {
		return name
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid:" + strconv.Itoa(os.Getuid())
}
