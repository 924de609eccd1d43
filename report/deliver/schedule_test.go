package deliver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/report/deliver"
	"github.com/bizenv/bizenv/schedule"
)

// hanging is a channel that never answers: Send returns only when its
// context ends.
type hanging struct {
	sending chan struct{}
	cause   chan error
}

func (h *hanging) Send(ctx context.Context, m deliver.Message) error {
	h.sending <- struct{}{}
	<-ctx.Done()
	h.cause <- ctx.Err()
	return ctx.Err()
}

// A scheduled delivery runs under the server's context: when the server
// shuts down, a send that hangs is cancelled once the grace period is
// over, and its claim is given up for the next run.
func TestScheduledDeliveryCancelledAtShutdown(t *testing.T) {
	db := seeded(t)
	// A scheduled run reports the last closed month, which needs data.
	last := bizenv.LastClosed(time.Now(), time.UTC)
	if _, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: []bizenv.Observation{
		{Indicator: "city_assessment_rank", Entity: "wuhan-edz", Period: last, Value: 9},
	}}); err != nil {
		t.Fatal(err)
	}
	h := &hanging{sending: make(chan struct{}, 1), cause: make(chan error, 1)}
	d := deliver.New(db, []deliver.Channel{{Name: "hangs", Sender: h}}, deliver.Options{Attempts: 1})
	serve, shutdown := context.WithCancel(context.Background())
	s := schedule.New(serve, schedule.Options{Location: time.UTC, What: "report delivery", Grace: 50 * time.Millisecond})
	id, err := d.Schedule(s, "0 9 3 * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.RunNow(id); close(done) }()
	<-h.sending
	shutdown()
	if got, want := <-h.cause, context.Canceled; !errors.Is(got, want) {
		t.Errorf("send's context: got %v, want %v", got, want)
	}
	<-done
	ds, err := deliveries(t, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Status != "failed" || ds[0].Attempts != 1 {
		t.Errorf("deliveries: got %+v, want one failed attempt", ds)
	}
}
