package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/report"
	"github.com/bizenv/bizenv/report/deliver"
)

func runReport(ctx context.Context, env *environment, args []string) error {
	var c commonFlags
	fs := newFlagSet("report", env)
	c.register(fs)
	period := fs.String("period", "", "the month to report on: YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM (required)")
	entity := fs.String("entity", "", "entity code (default wuhan-edz, or the first district)")
	format := fs.String("format", "json", "json, html or csv")
	out := fs.String("o", "", "write to this file instead of standard output")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	usage := errors.New("usage: bizenv report --period YYYY-MM [--entity CODE] [--format json|html|csv] [-o FILE]")
	if *period == "" || fs.NArg() > 0 {
		return &exitError{code: exitUsage, err: usage}
	}
	p, err := ingest.ParseRequestedPeriod(*period, time.Now())
	if err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--period: %w", err)}
	}
	switch *format {
	case report.FormatJSON, report.FormatHTML, report.FormatCSV:
	default:
		return &exitError{code: exitUsage, err: fmt.Errorf("--format %q: want json, html or csv", *format)}
	}
	logger := c.logger(env)
	db, err := c.openMigrated(ctx, env, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if *entity == "" {
		cat, err := db.Catalog(ctx)
		if err != nil {
			return err
		}
		var ok bool
		if *entity, ok = report.DefaultEntity(cat); !ok {
			return &exitError{code: exitUsage, err: errors.New("report: no district in the catalog; give --entity")}
		}
	}
	r, err := report.Build(ctx, db, p, *entity)
	if err != nil {
		if nd := (report.NoDataError{}); errors.As(err, &nd) {
			return &exitError{code: exitRejected, err: err}
		}
		if bizenv.ErrorCode(err) != bizenv.EINTERNAL {
			return &exitError{code: exitUsage, err: fmt.Errorf("report: %w", err)}
		}
		return err
	}
	var b bytes.Buffer
	if err := report.Write(&b, r, *format); err != nil {
		return err
	}
	if *out == "" {
		_, err = env.stdout.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// serveAPIAndReports puts the API under /api/v1/ in front of handler and
// starts the monthly report's delivery schedule (config section report:)
// with its metric. stop stops the schedule, waiting for a delivery under
// way.
func serveAPIAndReports(env *environment, db *database, cfg *config.Config, runner api.CollectorRunner, reg *prometheus.Registry, handler http.Handler, logger *slog.Logger) (_ http.Handler, stop func(), _ error) {
	static, err := api.ParseTokensEnv(env.getenv("BIZENV_API_TOKENS"))
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	apiHandler := api.NewServer(api.Config{
		Store:        db.DB,
		Tokens:       api.NewTokens(static, cfg.API.TokensFile, logger.With("component", "api")),
		Collectors:   runner,
		MaxBodyBytes: cfg.API.MaxBodyBytes,
		Logger:       logger.With("component", "api"),
	})
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiHandler)
	mux.Handle("/", handler)

	reg.MustRegister(deliver.NewCollector(db.DB, logger))
	stop = func() {}
	if cfg.Report != nil {
		owner, _ := os.Hostname()
		d := deliver.FromConfig(db.DB, cfg.Report, owner, logger.With("component", "report"))
		c, err := d.Schedule(cfg.Report.Schedule, cfg.Location)
		if err != nil {
			return nil, nil, &exitError{code: exitUsage, err: err}
		}
		c.Start()
		stop = func() { <-c.Stop().Done() }
	}
	return mux, stop, nil
}
