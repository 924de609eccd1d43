package collectors

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/schedule"
)

// Scheduler runs each collector on its cron schedule through a Runner.
// Schedules are read in the configured time zone unless they start with
// CRON_TZ=. A run still going when its next time comes is skipped, and a
// panic is logged and the collector runs again next time.
type Scheduler struct {
	schedule *schedule.Schedule
	runner   *Runner
	logger   *slog.Logger
	jobs     map[string]schedule.ID
	start    []string // collectors that run once on start

	lastScheduled *prometheus.Desc
}

// StopGrace is how long collectors still running when the server shuts
// down may finish before they are cancelled (and their runs recorded as
// failed).
const StopGrace = time.Minute

// NewScheduler adds every collector of cfg to a new schedule; Start
// starts it. Runs are cancelled once ctx has ended and StopGrace has
// passed.
func NewScheduler(ctx context.Context, runner *Runner, cfg *config.Config, logger *slog.Logger) (*Scheduler, error) {
	s := &Scheduler{
		schedule: schedule.New(ctx, schedule.Options{Location: cfg.Location, Logger: logger, What: "collector", Grace: StopGrace}),
		runner:   runner, logger: logger, jobs: map[string]schedule.ID{},
		lastScheduled: prometheus.NewDesc("bizenv_collector_last_scheduled_timestamp_seconds",
			"The last time the collector's schedule called for a run while this process ran it; absent before the first.",
			[]string{"collector"}, nil),
	}
	for _, c := range cfg.Sources {
		name := c.Name
		// The Runner records and logs every outcome, ErrBusy included.
		id, err := s.schedule.Add(c.Schedule, func(ctx context.Context) { s.runner.Run(ctx, name, Request{}) })
		if err != nil {
			s.schedule.Stop(ctx)
			return nil, fmt.Errorf("collector %s: %w", name, err)
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
	s.schedule.Start()
	for _, name := range s.start {
		go s.RunNow(name)
	}
	for name, id := range s.jobs {
		s.logger.Info("collector scheduled", "collector", name, "next", s.schedule.NextRun(id))
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
	s.schedule.RunNow(id)
	return nil
}

// Stop stops the schedules and waits for running collectors to finish.
// When ctx ends first, the running collectors are cancelled (their runs
// are recorded as failed) and Stop waits for them to return; it then
// returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error { return s.schedule.Stop(ctx) }

// Describe and Collect make the Scheduler a prometheus.Collector of
// bizenv_collector_last_scheduled_timestamp_seconds: with the last success,
// it tells a collector that stopped running at all (a lock never released,
// a schedule that never fires) from one that runs and fails.
func (s *Scheduler) Describe(ch chan<- *prometheus.Desc) { ch <- s.lastScheduled }

// Collect sends the time each collector's schedule last fired.
func (s *Scheduler) Collect(ch chan<- prometheus.Metric) {
	for name, id := range s.jobs {
		if prev := s.schedule.Prev(id); !prev.IsZero() {
			ch <- prometheus.MustNewConstMetric(s.lastScheduled, prometheus.GaugeValue, float64(prev.UnixNano())/1e9, name)
		}
	}
}
