package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// runCollect runs collectors once now, through the Runner the scheduler
// uses: the same lock, the same recorded runs.
func runCollect(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("collect", env)
	configFile := fs.String("config.file", "", "configuration file with the collectors (required)")
	only := fs.String("collector", "", "run only the collector of this name (default: all)")
	period := fs.String("period", "", "collect this month: YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM (default: the last closed month)")
	from := fs.String("from", "", "backfill from this month, YYYY-MM (with --to)")
	to := fs.String("to", "", "backfill up to this month, YYYY-MM (with --from)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
	}
	if fs.NArg() > 0 {
		return usageErr("collect: unexpected argument %q", fs.Arg(0))
	}
	if *configFile == "" {
		return usageErr("collect: --config.file is required")
	}
	req, err := collectRequest(*period, *from, *to)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	cfg, err := config.Load(*configFile, env.getenv)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	var names []string
	for _, col := range cfg.Collectors {
		if *only == "" || col.Name == *only {
			names = append(names, col.Name)
		}
	}
	switch {
	case *only != "" && len(names) == 0:
		return usageErr("collect: no collector named %q in %s", *only, *configFile)
	case len(names) == 0:
		return usageErr("collect: %s has no collectors", *configFile)
	}

	logger := c.logger(env)
	db, err := c.openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	runner := collectors.NewRunner(db.DB, cfg, logger, collectors.Options{})
	var rejected, failed int
	zh := chinese(env)
	for _, name := range names {
		results, err := runCollector(ctx, runner, name, req)
		for _, res := range results {
			for _, r := range res.Rejects {
				fmt.Fprintln(env.stderr, formatReject(r, zh))
			}
			rejected += res.Run.Rejected
			when := ""
			if len(res.Periods) > 0 {
				when = " " + periodsText(res.Periods)
			}
			if res.Err != nil {
				failed++
				format := "collect %s%s: failed, nothing stored: %s\n"
				if zh {
					format = "采集 %s%s：失败，未保存：%s\n"
				}
				fmt.Fprintf(env.stdout, format, name, when, res.Err)
				continue
			}
			format := "collect %s%s: %d inserted, %d updated, %d unchanged, %d rejected (%s)\n"
			if zh {
				format = "采集 %s%s：新增 %d 条，更新 %d 条，未变 %d 条，拒绝 %d 条（%s）\n"
			}
			fmt.Fprintf(env.stdout, format, name, when, res.Run.Inserted, res.Run.Updated, res.Run.Unchanged, res.Run.Rejected, res.Run.Outcome)
		}
		switch {
		case errors.Is(err, collectors.ErrBusy):
			failed++
			fmt.Fprintf(env.stdout, "collect %s: not run: it is running in another process\n", name)
		case err != nil && len(results) == 0:
			// Nothing was recorded: the database failed us.
			return &exitError{code: exitUsage, err: err}
		}
	}
	if failed > 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("collect: %d run(s) failed or not run", failed)}
	}
	if rejected > 0 {
		return rejectedError(env, rejected)
	}
	return nil
}

// runCollector runs one collector, turning a panic in a source (recorded
// as a failed run by the Runner) into an error.
func runCollector(ctx context.Context, r *collectors.Runner, name string, req collectors.Request) (results []collectors.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("collector %s: panic: %v", name, p)
			results = append(results, collectors.Result{Err: err})
		}
	}()
	return r.Run(ctx, name, req)
}

// collectRequest reads --period or --from/--to.
func collectRequest(period, from, to string) (collectors.Request, error) {
	parse := func(flag, s string) (bizenv.Period, error) {
		p, err := ingest.ParseRequestedPeriod(s, time.Now())
		if err != nil {
			return p, fmt.Errorf("collect: --%s: %s", flag, bizenv.ErrorMessage(err))
		}
		return p, nil
	}
	switch {
	case period != "" && (from != "" || to != ""):
		return collectors.Request{}, errors.New("collect: give --period or --from/--to, not both")
	case period != "":
		p, err := parse("period", period)
		return collectors.Request{From: p, To: p}, err
	case from == "" && to == "":
		return collectors.Request{}, nil
	case from == "" || to == "":
		return collectors.Request{}, errors.New("collect: --from and --to go together")
	}
	f, err := parse("from", from)
	if err != nil {
		return collectors.Request{}, err
	}
	t, err := parse("to", to)
	if err != nil {
		return collectors.Request{}, err
	}
	if t.Before(f) {
		return collectors.Request{}, fmt.Errorf("collect: --to %s is before --from %s", t, f)
	}
	return collectors.Request{From: f, To: t}, nil
}

func periodsText(ps []bizenv.Period) string {
	switch len(ps) {
	case 0:
		return ""
	case 1:
		return ps[0].String()
	}
	s := make([]string, 0, 2)
	s = append(s, ps[0].String(), ps[len(ps)-1].String())
	return strings.Join(s, "..")
}

// catalogFiles returns the catalog file the configuration names, if any.
func catalogFiles(cfg *config.Config) []string {
	if cfg.Catalog.File == "" {
		return nil
	}
	return []string{cfg.Catalog.File}
}

// loadConfig reads --config.file for serve. With check it prints
// "config OK" when the file is valid. No file is an empty configuration.
func loadConfig(path string, check bool, env *environment) (*config.Config, error) {
	if path == "" {
		if check {
			return nil, &exitError{code: exitUsage, err: errors.New("--config.check needs --config.file")}
		}
		return config.Parse("(none)", nil, env.getenv)
	}
	cfg, err := config.Load(path, env.getenv)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	// The tokens file's format is the API's: checked here, with the config.
	if cfg.API.TokensFile != "" {
		if _, err := api.ReadTokensFile(cfg.API.TokensFile); err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("config %s: api.tokens_file: %w", path, err)}
		}
	}
	if check {
		fmt.Fprintln(env.stdout, "config OK")
	}
	return cfg, nil
}

// startCollectors starts the cron scheduler of cfg's collectors. When ctx
// ends, or stop is called, running collectors get a minute to finish and
// are then cancelled (and their runs recorded as failed); stop waits for
// them. The runner runs them on demand, for the API. reg gets the time
// each schedule last fired and the collectors' titles.
func startCollectors(ctx context.Context, db *database, cfg *config.Config, reg prometheus.Registerer, logger *slog.Logger) (runner *collectorRunner, stop func(), err error) {
	r := collectors.NewRunner(db.DB, cfg, logger, collectors.Options{})
	if len(cfg.Collectors) == 0 {
		return &collectorRunner{r}, func() {}, nil
	}
	s, err := collectors.NewScheduler(ctx, r, cfg, logger)
	if err != nil {
		return nil, nil, &exitError{code: exitUsage, err: err}
	}
	if err := reg.Register(s); err != nil {
		return nil, nil, err
	}
	if err := reg.Register(collectors.NewInfo(cfg)); err != nil {
		return nil, nil, err
	}
	s.Start()
	return &collectorRunner{r}, func() {
		ctx, cancel := context.WithTimeout(context.Background(), collectors.StopGrace)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			logger.Warn("collectors stopped before they finished", "err", err)
		}
	}, nil
}

// collectorRunner runs a collector for the API, through the same Runner
// (and so the same lock and records) as the schedule.
type collectorRunner struct{ runner *collectors.Runner }

// RunNow runs the named collector for the last closed month on behalf of
// actor and returns its last recorded run, whatever its outcome.
func (c *collectorRunner) RunNow(ctx context.Context, name, actor string) (bizenv.Run, error) {
	results, err := c.runner.Run(ctx, name, collectors.Request{Actor: actor})
	switch {
	case errors.Is(err, collectors.ErrUnknown):
		return bizenv.Run{}, bizenv.Errorf(bizenv.ENOTFOUND, "no collector named %q", name).ZH("没有名为“%s”的采集器", name)
	case errors.Is(err, collectors.ErrBusy):
		return bizenv.Run{}, bizenv.Errorf(bizenv.ECONFLICT, "collector %s is running already", name).ZH("采集器 %s 正在运行", name)
	case len(results) == 0:
		return bizenv.Run{}, err
	}
	return results[len(results)-1].Run, nil
}
