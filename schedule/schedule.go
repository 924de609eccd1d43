// Package schedule runs jobs on cron lines for the collectors and the
// report delivery alike: robfig/cron v3 with a slog adapter, a job that is
// still running skipped rather than doubled, a panic logged and the job run
// again next time, and a stop that gives running jobs a grace period
// before cancelling them.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one scheduled task. Its context ends when the schedule gives up
// waiting for it at stop.
type Job func(ctx context.Context)

// ID names a job added to a Schedule.
type ID = cron.EntryID

// Options tune a Schedule.
type Options struct {
	// Location is the zone cron lines are read in, unless they start with
	// CRON_TZ=. Required.
	Location *time.Location
	Logger   *slog.Logger
	// What the jobs are ("collector", "report delivery"), for the log
	// line of a skipped run.
	What string
	// Grace is how long running jobs may finish once the context given to
	// New ends, before they are cancelled.
	Grace time.Duration
}

// Schedule runs jobs on cron lines. New starts nothing; Start does.
type Schedule struct {
	cron   *cron.Cron
	logger *slog.Logger
	what   string

	ctx    context.Context // the jobs' context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup
	idle    chan struct{} // closed once stopped and no job runs
}

// New returns a schedule whose jobs run with ctx's values. When ctx ends
// (the server shuts down) the schedule stops as Stop does, giving running
// jobs o.Grace to finish before cancelling them.
func New(ctx context.Context, o Options) *Schedule {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.What == "" {
		o.What = "job"
	}
	l := cronLogger{l: o.Logger, what: o.What}
	jobs, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Schedule{
		// SkipIfStillRunning must wrap Recover, not the other way round: in
		// cron v3.0.1 SkipIfStillRunning puts its token back only when the
		// job returns, so a panic passing through it would leave the job
		// skipped for good.
		cron: cron.New(
			cron.WithLocation(o.Location),
			cron.WithLogger(l),
			cron.WithChain(cron.SkipIfStillRunning(l), cron.Recover(l)),
		),
		logger: o.Logger, what: o.What,
		ctx: jobs, cancel: cancel,
		idle: make(chan struct{}),
	}
	context.AfterFunc(ctx, func() {
		grace, cancel := context.WithTimeout(context.Background(), o.Grace)
		defer cancel()
		s.Stop(grace)
	})
	return s
}

// Add schedules job on the cron line spec: five fields, a descriptor such
// as @daily or @every 1h, and an optional CRON_TZ= prefix.
func (s *Schedule) Add(spec string, job Job) (ID, error) {
	id, err := s.cron.AddJob(spec, cron.FuncJob(func() { s.run(job) }))
	if err != nil {
		return 0, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return id, nil
}

// run runs job unless the schedule has stopped, counting it as running.
func (s *Schedule) run(job Job) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.running.Add(1)
	s.mu.Unlock()
	defer s.running.Done()
	job(s.ctx)
}

// Start starts the schedule in the background.
func (s *Schedule) Start() { s.cron.Start() }

// RunNow runs the job id now, through the same wrappers as its schedule:
// skipped if it is running already, a panic recovered. It returns when the
// run is over.
func (s *Schedule) RunNow(id ID) { s.cron.Entry(id).WrappedJob.Run() }

// Next returns the first time after t that the job id is due.
func (s *Schedule) Next(id ID, t time.Time) time.Time {
	return s.cron.Entry(id).Schedule.Next(t.In(s.cron.Location()))
}

// NextRun returns when the job id runs next; zero before Start.
func (s *Schedule) NextRun(id ID) time.Time { return s.cron.Entry(id).Next }

// Prev returns when the schedule last started the job id; zero before its
// first time.
func (s *Schedule) Prev(id ID) time.Time { return s.cron.Entry(id).Prev }

// Stop stops the schedule and waits for running jobs to finish. When ctx
// ends first, their context is cancelled and Stop waits for them to
// return; it then returns ctx's error. Stop may be called more than once,
// and at the same time as the stop that follows the end of New's context.
func (s *Schedule) Stop(ctx context.Context) error {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		cronDone := s.cron.Stop()
		go func() {
			<-cronDone.Done()
			s.running.Wait()
			close(s.idle)
		}()
	}
	s.mu.Unlock()
	select {
	case <-s.idle:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	select {
	case <-s.idle:
		s.cancel()
		return nil
	default:
	}
	s.logger.Warn(s.what + " still running at shutdown; cancelling it")
	s.cancel()
	<-s.idle
	return ctx.Err()
}

// cronLogger adapts a slog.Logger to cron.Logger. cron's routine messages
// (scheduling, waking up) go to debug; skips and panics are worth seeing.
type cronLogger struct {
	l    *slog.Logger
	what string
}

func (c cronLogger) Info(msg string, keysAndValues ...any) {
	if msg == "skip" {
		c.l.Info(c.what+" still running; this run skipped", keysAndValues...)
		return
	}
	c.l.Debug("cron: "+msg, keysAndValues...)
}

func (c cronLogger) Error(err error, msg string, keysAndValues ...any) {
	c.l.Error("cron: "+msg, append(keysAndValues, "err", err)...)
}
