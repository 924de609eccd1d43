package collectors

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"

	"github.com/bizenv/bizenv/config"
)

// Scheduler runs each collector on its cron schedule through a Runner.
// Schedules are read in the configured time zone unless they start with
// CRON_TZ=. A run still going when its next time comes is skipped, and a
// panic is logged and the collector runs again next time.
type Scheduler struct {
	cron   *cron.Cron
	runner *Runner
	logger *slog.Logger
	jobs   map[string]cron.EntryID
	loc    *time.Location
	start  []string // collectors that run once on start

	ctx    context.Context // cancelled when Stop gives up waiting
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup

	lastScheduled *prometheus.Desc
}

// NewScheduler adds every collector of cfg to a new cron scheduler; Start
// starts it.
func NewScheduler(runner *Runner, cfg *config.Config, logger *slog.Logger) (*Scheduler, error) {
	l := CronLogger(logger)
	loc := cfg.Location
	if loc == nil {
		loc = time.FixedZone("Asia/Shanghai", 8*60*60)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Scheduler{
		// SkipIfStillRunning must wrap Recover, not the other way round: in
		// cron v3.0.1 SkipIfStillRunning puts its token back only when the
		// job returns, so a panic passing through it would leave the job
		// skipped for good.
		cron: cron.New(
			cron.WithLocation(loc),
			cron.WithLogger(l),
			cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
		),
		runner: runner, logger: logger, jobs: map[string]cron.EntryID{}, loc: loc,
		ctx: ctx, cancel: cancel,
		lastScheduled: prometheus.NewDesc("bizenv_collector_last_scheduled_timestamp_seconds",
			"The last time the collector's schedule called for a run while this process ran it; absent before the first.",
			[]string{"collector"}, nil),
	}
	for _, c := range cfg.Collectors {
		name := c.Name
		id, err := s.cron.AddJob(c.Schedule, cron.FuncJob(func() { s.run(name) }))
		if err != nil {
			cancel()
			return nil, fmt.Errorf("collector %s: schedule %q: %w", name, c.Schedule, err)
		}
		s.jobs[name] = id
		if c.RunOnStart {
			s.start = append(s.start, name)
		}
	}
	return s, nil
}

// Start starts the schedules in the background, and the collectors marked
// run_on_start at once.
func (s *Scheduler) Start() {
	s.cron.Start()
	for _, name := range s.start {
		go s.RunNow(name)
	}
	for name, id := range s.jobs {
		s.logger.Info("collector scheduled", "collector", name, "next", s.cron.Entry(id).Next)
	}
}

// RunNow runs the named collector now, through the same wrappers as its
// schedule: skipped if it is running already, panics recovered. It returns
// when the run is over.
func (s *Scheduler) RunNow(name string) error {
	id, ok := s.jobs[name]
	if !ok {
		return fmt.Errorf("collector %s: %w", name, ErrUnknown)
	}
	s.cron.Entry(id).WrappedJob.Run()
	return nil
}

// Next returns the first time after t that the named collector is
// scheduled to run.
func (s *Scheduler) Next(name string, t time.Time) (time.Time, error) {
	id, ok := s.jobs[name]
	if !ok {
		return time.Time{}, fmt.Errorf("collector %s: %w", name, ErrUnknown)
	}
	return s.cron.Entry(id).Schedule.Next(t.In(s.loc)), nil
}

// run is the job of one collector.
func (s *Scheduler) run(name string) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.running.Add(1)
	s.mu.Unlock()
	defer s.running.Done()
	// The Runner records and logs every outcome, ErrBusy included.
	s.runner.Run(s.ctx, name, Request{})
}

// Stop stops the schedules and waits for running collectors to finish.
// When ctx ends first, the running collectors are cancelled (their runs
// are recorded as failed) and Stop waits for them to return; it then
// returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.logger.Warn("collectors still running at shutdown; cancelling them")
		s.cancel()
		<-done
		return ctx.Err()
	}
}

// CronLogger adapts a slog.Logger to cron.Logger. cron's routine messages
// (scheduling, waking up) go to debug; skips and panics are worth seeing.
func CronLogger(l *slog.Logger) cron.Logger { return cronLogger{l} }

type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, keysAndValues ...any) {
	if msg == "skip" {
		c.l.Info("collector still running; this run skipped", keysAndValues...)
		return
	}
	c.l.Debug("cron: "+msg, keysAndValues...)
}

func (c cronLogger) Error(err error, msg string, keysAndValues ...any) {
	c.l.Error("cron: "+msg, append(keysAndValues, "err", err)...)
}

// Describe and Collect make the Scheduler a prometheus.Collector of
// bizenv_collector_last_scheduled_timestamp_seconds: with the last success,
// it tells a collector that stopped running at all (a lock never released,
// a schedule that never fires) from one that runs and fails.
func (s *Scheduler) Describe(ch chan<- *prometheus.Desc) { ch <- s.lastScheduled }

// Collect sends the time each collector's schedule last fired.
func (s *Scheduler) Collect(ch chan<- prometheus.Metric) {
	for name, id := range s.jobs {
		if prev := s.cron.Entry(id).Prev; !prev.IsZero() {
			ch <- prometheus.MustNewConstMetric(s.lastScheduled, prometheus.GaugeValue, float64(prev.UnixNano())/1e9, name)
		}
	}
}
