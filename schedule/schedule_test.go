package schedule_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizenv/bizenv/schedule"
)

// newSchedule returns a schedule logging to logs, which is read once the
// jobs that log are over (slog's handler serialises the writes).
func newSchedule(t *testing.T, ctx context.Context, grace time.Duration) (s *schedule.Schedule, logs *bytes.Buffer) {
	t.Helper()
	logs = &bytes.Buffer{}
	s = schedule.New(ctx, schedule.Options{
		Location: time.UTC, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		What: "job", Grace: grace,
	})
	return s, logs
}

// blocking is a job that waits for its context to end, or for release.
type blocking struct {
	started  chan struct{}
	release  chan struct{}
	cause    chan error // the job's context's error when it returned
	finished atomic.Bool
}

func newBlocking() *blocking {
	return &blocking{started: make(chan struct{}, 10), release: make(chan struct{}), cause: make(chan error, 10)}
}

// startBlocking adds a blocking job to s, a yearly one, and starts a run
// of it.
func startBlocking(t *testing.T, s *schedule.Schedule) (*blocking, schedule.ID) {
	t.Helper()
	job := newBlocking()
	id, err := s.Add("0 9 1 1 *", job.run)
	if err != nil {
		t.Fatal(err)
	}
	go s.RunNow(id)
	<-job.started
	return job, id
}

func (b *blocking) run(ctx context.Context) {
	b.started <- struct{}{}
	select {
	case <-ctx.Done():
	case <-b.release:
	}
	b.finished.Store(true)
	b.cause <- ctx.Err()
}

// Stop waits while the grace lasts, then cancels the running job's
// context and waits for the job to return.
func TestStopCancelsAfterGrace(t *testing.T) {
	s, logs := newSchedule(t, context.Background(), time.Hour)
	job, _ := startBlocking(t, s)

	grace, endGrace := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- s.Stop(grace) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) during the grace period", err)
	case err := <-job.cause:
		t.Fatalf("job's context ended (%v) during the grace period", err)
	case <-time.After(100 * time.Millisecond):
	}
	endGrace()
	if got, want := <-stopped, context.Canceled; !errors.Is(got, want) {
		t.Errorf("Stop: got %v, want %v", got, want)
	}
	if !job.finished.Load() {
		t.Error("Stop returned before the job did")
	}
	if got, want := <-job.cause, context.Canceled; !errors.Is(got, want) {
		t.Errorf("job's context: got %v, want %v", got, want)
	}
	if got, want := logs.String(), "job still running at shutdown; cancelling it"; !strings.Contains(got, want) {
		t.Errorf("log lacks %q:\n%s", want, got)
	}
}

// A job that ends within the grace period ends on its own: its context is
// not cancelled under it.
func TestStopWaitsForRunningJob(t *testing.T) {
	s, _ := newSchedule(t, context.Background(), time.Hour)
	job, id := startBlocking(t, s)
	stopped := make(chan error)
	go func() { stopped <- s.Stop(context.Background()) }()
	close(job.release)
	if err := <-stopped; err != nil {
		t.Errorf("Stop: got %v, want nil", err)
	}
	if err := <-job.cause; err != nil {
		t.Errorf("job's context: got %v, want it still live when the job returned", err)
	}
	// Stopped: a run asked for now does not start.
	s.RunNow(id)
	if got := len(job.started); got != 0 {
		t.Errorf("runs after stop: got %d, want 0", got)
	}
}

// Ending the context given to New (the server shutting down) stops the
// schedule: the running job gets the grace period, then is cancelled.
func TestContextEndCancelsAfterGrace(t *testing.T) {
	serve, shutdown := context.WithCancel(context.Background())
	s, _ := newSchedule(t, serve, 50*time.Millisecond)
	job, _ := startBlocking(t, s)
	shutdown()
	if got, want := <-job.cause, context.Canceled; !errors.Is(got, want) {
		t.Errorf("job's context: got %v, want %v", got, want)
	}
	// A later Stop finds the schedule stopped and returns at once.
	if err := s.Stop(context.Background()); err != nil {
		t.Errorf("Stop after shutdown: got %v, want nil", err)
	}
}

// A run asked for while one is going is skipped, and logged.
func TestSkipIfStillRunning(t *testing.T) {
	s, logs := newSchedule(t, context.Background(), time.Hour)
	job, id := startBlocking(t, s)
	s.RunNow(id) // returns at once: skipped
	close(job.release)
	<-job.cause
	if got := len(job.started); got != 0 {
		t.Errorf("runs started while one was going: got %d, want 0", got)
	}
	if got, want := logs.String(), "job still running; this run skipped"; !strings.Contains(got, want) {
		t.Errorf("log lacks %q:\n%s", want, got)
	}
}

// A job that panics is logged and runs again next time: Recover sits
// inside SkipIfStillRunning.
func TestPanicRecoveredAndRunsAgain(t *testing.T) {
	s, logs := newSchedule(t, context.Background(), time.Hour)
	var calls atomic.Int32
	id, err := s.Add("@every 1h", func(context.Context) {
		if calls.Add(1) == 1 {
			panic("job exploded")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	s.RunNow(id)
	s.RunNow(id)
	if got, want := calls.Load(), int32(2); got != want {
		t.Errorf("runs: got %d, want %d", got, want)
	}
	if got, want := logs.String(), "cron: panic"; !strings.Contains(got, want) {
		t.Errorf("log lacks %q:\n%s", want, got)
	}
}

func TestTimeZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	s := schedule.New(context.Background(), schedule.Options{Location: shanghai})
	after := time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC)
	for spec, want := range map[string]time.Time{
		"0 9 * * *":             time.Date(2021, 10, 1, 1, 0, 0, 0, time.UTC), // 09:00 in Shanghai
		"CRON_TZ=UTC 0 9 * * *": time.Date(2021, 10, 1, 9, 0, 0, 0, time.UTC),
	} {
		t.Run(spec, func(t *testing.T) {
			id, err := s.Add(spec, func(context.Context) {})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(id, after); !got.Equal(want) {
				t.Errorf("got %v, want %v", got.UTC(), want)
			}
		})
	}
}

func TestBadSpec(t *testing.T) {
	s := schedule.New(context.Background(), schedule.Options{Location: time.UTC})
	_, err := s.Add("0 9 * *", func(context.Context) {})
	if want := `schedule "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
