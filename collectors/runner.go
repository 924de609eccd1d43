// Package collectors runs bizenv's collectors: a Runner that collects
// from one configured source once and records the run, and a Scheduler
// that calls it on each collector's cron schedule. The source kinds live in
// the subpackages httpjson, tabular, sqlsource and worldbank.
package collectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/httpjson"
	"github.com/bizenv/bizenv/collectors/sqlsource"
	"github.com/bizenv/bizenv/collectors/tabular"
	"github.com/bizenv/bizenv/collectors/worldbank"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Store is what the Runner needs of the database; *postgres.DB has it.
type Store interface {
	// LockCollector takes the collector's advisory lock without waiting;
	// ok is false when another session holds it.
	LockCollector(ctx context.Context, name string) (unlock func(), ok bool, err error)
	StartRun(ctx context.Context, kind, name, actor string) (bizenv.Run, error)
	StoreRun(ctx context.Context, run bizenv.Run, b bizenv.Batch) (bizenv.Run, error)
	FailRun(ctx context.Context, run bizenv.Run, cause error) (bizenv.Run, error)
	Catalog(ctx context.Context) (bizenv.Catalog, error)
	PayloadStored(ctx context.Context, collector, sha256 string) (bool, error)
}

// ErrBusy is returned when the collector is running in another process
// (another replica, or `bizenv collect`) on the same database.
var ErrBusy = errors.New("running in another process")

// ErrUnknown is returned for a collector name the configuration lacks.
var ErrUnknown = errors.New("no such collector")

// Options tune a Runner; the zero value is right for production.
type Options struct {
	HTTP    *http.Client     // for http_json, tabular URLs and worldbank; http.DefaultClient when nil
	Backoff time.Duration    // first wait before retrying a fetch; 1s when 0
	Now     func() time.Time // time.Now when nil
}

// Runner collects from one collector at a time and records each run.
// It is safe for concurrent use; runs of one collector are serialised
// across processes by the database's advisory lock.
type Runner struct {
	store      Store
	loc        *time.Location
	logger     *slog.Logger
	now        func() time.Time
	names      []string
	collectors map[string]*collector
}

type collector struct {
	cfg    config.Collector
	source source
}

// source is one collector's source kind.
type source interface {
	// perPeriod is true for sources that are asked for one period at a
	// time: each period of a backfill is a run of its own.
	perPeriod() bool
	// usesPeriods is true for sources that read the periods asked for;
	// the others (files, queries) hold their periods in their data.
	usesPeriods() bool
	fetch(ctx context.Context, j job) (bizenv.Batch, error)
	// secrets are scrubbed from every error that is recorded or logged.
	secrets() []string
}

// job is one fetch: the periods asked for and what records are checked
// against.
type job struct {
	name    string
	periods []bizenv.Period
	// scheduled is true when no period was asked for (a scheduled run, or
	// collect without --period): periods holds the last closed month.
	scheduled bool
	catalog   bizenv.Catalog
	validator *ingest.Validator
	store     Store
}

// NewRunner returns a Runner for the collectors of cfg, which config has
// validated.
func NewRunner(store Store, cfg *config.Config, logger *slog.Logger, opts Options) *Runner {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.FixedZone("Asia/Shanghai", 8*60*60)
	}
	r := &Runner{store: store, loc: loc, logger: logger, now: opts.Now, collectors: map[string]*collector{}}
	for _, c := range cfg.Collectors {
		l := logger.With("collector", c.Name)
		var src source
		switch {
		case c.Tabular != nil:
			src = tabularSource{tabular.New(c.Name, *c.Tabular, tabular.Options{HTTP: opts.HTTP, Backoff: opts.Backoff, Logger: l})}
		case c.HTTPJSON != nil:
			src = httpJSONSource{httpjson.New(c.Name, *c.HTTPJSON, httpjson.Options{HTTP: opts.HTTP, Backoff: opts.Backoff, Logger: l})}
		case c.SQL != nil:
			src = sqlSource{sqlsource.New(c.Name, *c.SQL)}
		case c.WorldBank != nil:
			src = worldBankSource{worldbank.New(c.Name, *c.WorldBank, worldbank.Options{HTTP: opts.HTTP, Backoff: opts.Backoff, Logger: l})}
		default:
			continue // config refuses this
		}
		r.names = append(r.names, c.Name)
		r.collectors[c.Name] = &collector{cfg: c, source: src}
	}
	return r
}

// Names returns the configured collectors' names in configuration order.
func (r *Runner) Names() []string { return append([]string(nil), r.names...) }

// Request says which periods to collect. The zero Request asks for the
// last closed month in the configured time zone.
type Request struct {
	From, To bizenv.Period // To defaults to From
	// Actor is who asked for the run, recorded on the run and on every
	// revision it makes: an API token's name. It defaults to
	// "collector:NAME", for scheduled runs and backfills.
	Actor string
}

// Result is one recorded run.
type Result struct {
	Run     bizenv.Run
	Periods []bizenv.Period // the periods asked for; nil for sources whose data names its periods
	Rejects []bizenv.Reject
	Err     error // why the run failed, secrets scrubbed; nil for success or partial
}

// Run collects from the named collector once, or once per period for a
// period-aware source (http_json) given a range, holding the collector's
// lock throughout. Each run is recorded: its counts, rejects and the raw
// payloads on success; its error on failure, with nothing stored. The
// error is ErrUnknown, ErrBusy (nothing was run), a database error, or
// the failures of the runs, which are also in the results.
func (r *Runner) Run(ctx context.Context, name string, req Request) ([]Result, error) {
	c, ok := r.collectors[name]
	if !ok {
		return nil, fmt.Errorf("collector %s: %w", name, ErrUnknown)
	}
	logger := r.logger.With("collector", name)
	unlock, ok, err := r.store.LockCollector(ctx, name)
	if err != nil {
		logger.Error("collector not run", "err", err)
		return nil, fmt.Errorf("collector %s: %w", name, err)
	}
	if !ok {
		logger.Info("collector is running in another process; skipped")
		return nil, fmt.Errorf("collector %s: %w", name, ErrBusy)
	}
	defer unlock()

	periods := r.periods(req)
	batches := [][]bizenv.Period{periods}
	if c.source.perPeriod() {
		batches = batches[:0]
		for _, p := range periods {
			batches = append(batches, []bizenv.Period{p})
		}
	}
	var (
		results []Result
		errs    []error
	)
	for _, ps := range batches {
		res, err := r.runOnce(ctx, c, ps, req.Actor, req.From.IsZero(), logger)
		if err != nil {
			logger.Error("collector run not recorded", "err", err)
			return results, err
		}
		results = append(results, res)
		if res.Err != nil {
			errs = append(errs, res.Err)
		}
	}
	return results, errors.Join(errs...)
}

// runOnce is one recorded run. Its error is for the run's record itself.
func (r *Runner) runOnce(ctx context.Context, c *collector, periods []bizenv.Period, actor string, scheduled bool, logger *slog.Logger) (res Result, err error) {
	name := c.cfg.Name
	if c.source.usesPeriods() {
		res.Periods = periods
	}
	if actor == "" {
		actor = "collector:" + name
	}
	run, err := r.store.StartRun(ctx, bizenv.RunCollector, name, actor)
	if err != nil {
		return res, fmt.Errorf("collector %s: %w", name, err)
	}
	res.Run = run
	logger = logger.With("run", run.ID)
	if res.Periods != nil {
		logger = logger.With("periods", periodsText(periods))
	}
	logger.Debug("collector run started")

	// A panic in a source fails the run and releases the lock on its way
	// up to the scheduler's Recover, which logs it.
	defer func() {
		if p := recover(); p != nil {
			r.fail(run, fmt.Errorf("panic: %v", p), logger)
			panic(p)
		}
	}()

	b, ferr := r.fetch(ctx, c, periods, scheduled)
	if ferr != nil {
		res.Err = fmt.Errorf("collector %s: %s", name, scrub(ferr.Error(), c.source.secrets()))
		res.Run = r.fail(run, res.Err, logger)
		return res, nil
	}
	b.Kind, b.Name, b.Actor = bizenv.RunCollector, name, actor
	// A collector stores the good records and quarantines the bad ones.
	b.AllowPartial = true
	for i := range b.Rejects {
		b.Rejects[i].Reason = scrub(b.Rejects[i].Reason, c.source.secrets())
		b.Rejects[i].ReasonZH = scrub(b.Rejects[i].ReasonZH, c.source.secrets())
		b.Rejects[i].Record = scrub(b.Rejects[i].Record, c.source.secrets())
	}
	res.Rejects = b.Rejects
	done, err := r.store.StoreRun(ctx, run, b)
	if err != nil {
		// StoreRun has recorded the failure.
		res.Err = fmt.Errorf("collector %s: %s", name, scrub(err.Error(), c.source.secrets()))
		res.Run.Outcome = bizenv.OutcomeFailure
		logger.Error("collector run failed", "err", res.Err)
		return res, nil
	}
	res.Run = done
	level := slog.LevelInfo
	if done.Rejected > 0 {
		level = slog.LevelWarn
	}
	logger.Log(ctx, level, "collector run finished", "outcome", done.Outcome,
		"inserted", done.Inserted, "updated", done.Updated, "unchanged", done.Unchanged, "rejected", done.Rejected,
		"payloads", len(b.Payloads))
	for i, rej := range b.Rejects {
		if i == 10 {
			logger.Warn("more records rejected", "count", len(b.Rejects)-i)
			break
		}
		logger.Warn("record rejected", "file", rej.File, "line", rej.Line, "reason", rej.Reason)
	}
	return res, nil
}

func (r *Runner) fetch(ctx context.Context, c *collector, periods []bizenv.Period, scheduled bool) (bizenv.Batch, error) {
	cat, err := r.store.Catalog(ctx)
	if err != nil {
		return bizenv.Batch{}, err
	}
	return c.source.fetch(ctx, job{
		name:      c.cfg.Name,
		periods:   periods,
		scheduled: scheduled,
		catalog:   cat,
		validator: ingest.NewValidator(cat, r.now()),
		store:     r.store,
	})
}

// fail records a failed run, with a context of its own so that a
// cancelled run is still recorded.
func (r *Runner) fail(run bizenv.Run, cause error, logger *slog.Logger) bizenv.Run {
	logger.Error("collector run failed", "err", cause)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done, err := r.store.FailRun(ctx, run, cause)
	if err != nil {
		logger.Error("record failed run", "err", err)
		run.Outcome, run.Error = bizenv.OutcomeFailure, cause.Error()
		return run
	}
	return done
}

func (r *Runner) periods(req Request) []bizenv.Period {
	if req.From.IsZero() {
		return []bizenv.Period{bizenv.LastClosed(r.now(), r.loc)}
	}
	to := req.To
	if to.IsZero() || to.Before(req.From) {
		to = req.From
	}
	var ps []bizenv.Period
	for p := req.From; !to.Before(p); p = p.AddMonths(1) {
		ps = append(ps, p)
	}
	return ps
}

func periodsText(ps []bizenv.Period) string {
	if len(ps) == 1 {
		return ps[0].String()
	}
	return ps[0].String() + ".." + ps[len(ps)-1].String()
}

// scrub replaces every secret in msg.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

type tabularSource struct{ *tabular.Source }

func (tabularSource) perPeriod() bool     { return false }
func (tabularSource) usesPeriods() bool   { return false }
func (s tabularSource) secrets() []string { return s.Secrets() }
func (s tabularSource) fetch(ctx context.Context, j job) (bizenv.Batch, error) {
	return s.Fetch(ctx, j.catalog, j.validator, func(ctx context.Context, sum string) (bool, error) {
		return j.store.PayloadStored(ctx, j.name, sum)
	})
}

type httpJSONSource struct{ *httpjson.Source }

func (httpJSONSource) perPeriod() bool     { return true }
func (httpJSONSource) usesPeriods() bool   { return true }
func (s httpJSONSource) secrets() []string { return s.Secrets() }
func (s httpJSONSource) fetch(ctx context.Context, j job) (bizenv.Batch, error) {
	return s.Fetch(ctx, j.periods[0], j.validator)
}

type sqlSource struct{ *sqlsource.Source }

func (sqlSource) perPeriod() bool     { return false }
func (sqlSource) usesPeriods() bool   { return false }
func (s sqlSource) secrets() []string { return s.Secrets() }
func (s sqlSource) fetch(ctx context.Context, j job) (bizenv.Batch, error) {
	return s.Fetch(ctx, j.validator)
}

type worldBankSource struct{ *worldbank.Source }

func (worldBankSource) perPeriod() bool   { return false }
func (worldBankSource) usesPeriods() bool { return true }
func (worldBankSource) secrets() []string { return nil }
func (s worldBankSource) fetch(ctx context.Context, j job) (bizenv.Batch, error) {
	if err := s.CheckCatalog(j.catalog); err != nil {
		return bizenv.Batch{}, err
	}
	return s.FetchRange(ctx, s.RangeFor(j.periods, j.scheduled), j.validator)
}
