// Package collectors runs bizenv's collectors: a Runner that collects
// from one configured source once and records the run, and a Scheduler
// that calls it on each collector's cron schedule. The source kinds live in
// the subpackages httpjson, tabular, sqlsource and worldbank, each
// implementing kind.Source; the Runner finds them in its table of kinds.
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
	"github.com/bizenv/bizenv/collectors/kind"
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

// kinds are the source kinds by the name the configuration gives them. A
// new kind is a package implementing kind.Source and a line here.
func kinds() map[string]kind.New {
	return map[string]kind.New{
		"tabular":   newKind(tabular.New),
		"http_json": newKind(httpjson.New),
		"sql":       newKind(sqlsource.New),
		"worldbank": newKind(worldbank.New),
	}
}

// newKind turns a kind's constructor, which returns its own type, into a
// kind.New.
func newKind[S kind.Source](newSource func(config.Source, kind.Deps) S) kind.New {
	return func(c config.Source, d kind.Deps) kind.Source { return newSource(c, d) }
}

// Runner collects from one collector at a time and records each run.
// It is safe for concurrent use; runs of one collector are serialised
// across processes by the database's advisory lock.
type Runner struct {
	store      Store
	loc        *time.Location
	logger     *slog.Logger
	now        func() time.Time
	collectors map[string]kind.Source
}

// NewRunner returns a Runner for the collectors of cfg, which config has
// validated.
func NewRunner(store Store, cfg *config.Config, logger *slog.Logger, opts Options) *Runner {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Runner{store: store, loc: cfg.Location, logger: logger, now: opts.Now, collectors: map[string]kind.Source{}}
	newSource := kinds()
	for _, c := range cfg.Sources {
		n, ok := newSource[c.Kind]
		if !ok {
			panic(fmt.Sprintf("collector %s: config knows source kind %q and collectors do not", c.Name, c.Kind))
		}
		r.collectors[c.Name] = n(c, kind.Deps{HTTP: opts.HTTP, Backoff: opts.Backoff, Logger: logger.With("collector", c.Name)})
	}
	return r
}

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
	Periods []bizenv.Period // the run's periods as its source planned them; nil for sources whose data names its periods
	Rejects []bizenv.Reject
	Err     error // why the run failed, secrets scrubbed; nil for success or partial
}

// Run collects from the named collector in the runs its source plans for
// the periods asked for (one per period for http_json, one for the
// others), holding the collector's lock throughout. Each run is recorded:
// its counts, rejects and the raw payloads on success; its error on
// failure, with nothing stored. The error is ErrUnknown, ErrBusy (nothing
// was run), a database error, or the failures of the runs, which are also
// in the results.
func (r *Runner) Run(ctx context.Context, name string, req Request) ([]Result, error) {
	src, ok := r.collectors[name]
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

	var (
		results []Result
		errs    []error
	)
	for _, ps := range src.Plan(r.periods(req)) {
		res, err := r.runOnce(ctx, name, src, ps, req.Actor, req.From.IsZero(), logger)
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
func (r *Runner) runOnce(ctx context.Context, name string, src kind.Source, periods []bizenv.Period, actor string, scheduled bool, logger *slog.Logger) (res Result, err error) {
	res.Periods = periods
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

	secrets := src.Secrets()
	b, ferr := r.fetch(ctx, name, src, periods, scheduled)
	if ferr != nil {
		res.Err = fmt.Errorf("collector %s: %s", name, scrub(ferr.Error(), secrets))
		res.Run = r.fail(run, res.Err, logger)
		return res, nil
	}
	b.Kind, b.Name, b.Actor = bizenv.RunCollector, name, actor
	// A collector stores the good records and quarantines the bad ones.
	b.AllowPartial = true
	for i := range b.Rejects {
		b.Rejects[i].Reason = scrub(b.Rejects[i].Reason, secrets)
		b.Rejects[i].ReasonZH = scrub(b.Rejects[i].ReasonZH, secrets)
		b.Rejects[i].Record = scrub(b.Rejects[i].Record, secrets)
	}
	res.Rejects = b.Rejects
	done, err := r.store.StoreRun(ctx, run, b)
	if err != nil {
		// StoreRun has recorded the failure.
		res.Err = fmt.Errorf("collector %s: %s", name, scrub(err.Error(), secrets))
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

func (r *Runner) fetch(ctx context.Context, name string, src kind.Source, periods []bizenv.Period, scheduled bool) (bizenv.Batch, error) {
	cat, err := r.store.Catalog(ctx)
	if err != nil {
		return bizenv.Batch{}, err
	}
	return src.Fetch(ctx, kind.Job{
		Periods:   periods,
		Scheduled: scheduled,
		Catalog:   cat,
		Validator: ingest.NewValidator(cat, r.now().In(r.loc)),
		Stored: func(ctx context.Context, sum string) (bool, error) {
			return r.store.PayloadStored(ctx, name, sum)
		},
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
