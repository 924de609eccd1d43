package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/report"
	"github.com/bizenv/bizenv/report/deliver"
	"github.com/bizenv/bizenv/schedule"
)

func runReport(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("report", env)
	period := fs.String("period", "", "the month to report on: YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM (required)")
	entity := fs.String("entity", "", "entity code, name_zh or alias (default wuhan-edz, or the first district)")
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
	if err := report.CheckFormat(*format); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--%s", bizenv.ErrorMessage(err))}
	}
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := report.Render(ctx, db, report.Request{Period: p, Entity: *entity, DefaultEntity: config.DefaultEntity, Format: *format})
	if err != nil {
		if ee := (report.EntityError{}); errors.As(err, &ee) {
			// A code, name_zh or alias: --entity 经开区.
			return &exitError{code: exitUsage, err: fmt.Errorf("--entity: %w", ee.Err)}
		}
		if nd := (report.NoDataError{}); errors.As(err, &nd) {
			return &exitError{code: exitRejected, err: err}
		}
		if bizenv.ErrorCode(err) != bizenv.EINTERNAL {
			return &exitError{code: exitUsage, err: fmt.Errorf("report: %w", err)}
		}
		return err
	}
	if *out == "" {
		_, err = env.stdout.Write(r.Body)
		return err
	}
	if err := os.WriteFile(*out, r.Body, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// deliveryGrace is how long a report delivery under way when serve shuts
// down may finish before it is cancelled.
const deliveryGrace = time.Minute

// startReports starts the monthly report's delivery schedule (config
// section report:) and registers its metric with reg. When ctx ends, or
// stop is called, a delivery under way gets deliveryGrace to finish and is
// then cancelled; stop waits for it.
func startReports(ctx context.Context, db *database, cfg *config.Config, reg prometheus.Registerer, logger *slog.Logger) (stop func(), _ error) {
	reg.MustRegister(deliver.NewCollector(db.DB, logger))
	if cfg.Delivery == nil {
		return func() {}, nil
	}
	owner, _ := os.Hostname()
	logger = logger.With("component", "report")
	d := deliver.FromConfig(db.DB, cfg.Delivery, owner, logger)
	s := schedule.New(ctx, schedule.Options{Location: cfg.Location, Logger: logger, What: "report delivery", Grace: deliveryGrace})
	if _, err := d.Schedule(s, cfg.Delivery.Schedule, cfg.Location); err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	s.Start()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), deliveryGrace)
		defer cancel()
		s.Stop(ctx)
	}, nil
}
