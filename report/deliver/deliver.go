// Package deliver sends the monthly report on a schedule through group
// robots (WeCom, DingTalk) and email, once per period, entity and channel,
// however many replicas run the schedule. Each delivery is claimed in the
// database before it is sent; a failed send is retried with backoff, and a
// channel that still fails is left for the next schedule without holding up
// the others.
package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/report"
	"github.com/bizenv/bizenv/schedule"
)

// Store is what delivery reads and records.
type Store interface {
	report.Store
	bizenv.DeliveryService
}

// Message is one report, rendered for every channel.
type Message struct {
	Report   *report.Report
	Title    string
	Markdown string // the summary for robots, with the link
	HTML     []byte
	CSV      []byte
	Link     string // the full report, "" without a base URL
	// Fingerprint identifies the figures the report was built from
	// (report.Report.Fingerprint).
	Fingerprint string
	// Correction marks a report sent again because its figures were
	// revised after it was delivered; Title and Markdown then say 更正.
	Correction bool
}

// correctionMark heads the title of a report sent again with revised
// figures.
const correctionMark = "【更正】"

// asCorrection returns m marked as a correction of what was delivered.
func (m Message) asCorrection() Message {
	m.Correction = true
	m.Title = correctionMark + m.Title
	m.Markdown = "> " + correctionMark + "本月报数据已修订，以本次为准。\n\n" + m.Markdown
	return m
}

// Sender sends a message through one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Channel is a named destination.
type Channel struct {
	Name   string
	Sender Sender
}

// Deliverer sends the report for its entities through its channels.
type Deliverer struct {
	store    Store
	channels []Channel
	entities []string
	baseURL  string
	attempts int
	backoff  time.Duration
	owner    string
	logger   *slog.Logger
	// stale is how long a claim may stay "sending" before another replica
	// takes it over: far longer than every attempt's timeouts together.
	stale time.Duration
}

// Options are a Deliverer's settings beyond the channels.
type Options struct {
	Entities []string // to report on; the config's report.entities
	BaseURL  string
	Attempts int           // per channel per run; config.DefaultReportAttempts when 0
	Backoff  time.Duration // before the first retry, doubled each time
	Owner    string        // recorded on claims: host name, pod name
	Logger   *slog.Logger
}

// New returns a Deliverer for channels.
func New(store Store, channels []Channel, o Options) *Deliverer {
	if o.Attempts <= 0 {
		o.Attempts = config.DefaultReportAttempts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{store: store, channels: channels, entities: o.Entities, baseURL: o.BaseURL,
		attempts: o.Attempts, backoff: o.Backoff, owner: o.Owner, logger: o.Logger, stale: time.Hour}
}

// FromConfig returns a Deliverer for the report section of a config, as
// validated.
func FromConfig(store Store, c *config.Delivery, owner string, logger *slog.Logger) *Deliverer {
	var chans []Channel
	for _, ch := range c.Channels {
		var s Sender
		switch {
		case ch.SMTP != nil:
			s = &Email{Config: *ch.SMTP}
		case ch.Kind == "dingtalk":
			s = &DingTalk{URL: ch.WebhookURL, Secret: ch.Secret}
		default:
			s = &WeCom{URL: ch.WebhookURL}
		}
		chans = append(chans, Channel{Name: ch.Name, Sender: s})
	}
	return New(store, chans, Options{Entities: c.Entities, BaseURL: c.BaseURL, Attempts: c.Attempts,
		Backoff: c.Backoff, Owner: owner, Logger: logger})
}

// Deliver sends the report of period for every entity through every
// channel that has not had it yet, or that had it with figures since
// revised (then marked 更正). An entity without data in period is left for
// a later run: nothing is claimed, so the report goes out once the figures
// arrive. Channels are sent to side by side, so a slow or failing one holds
// up no other. It returns the failures joined.
func (d *Deliverer) Deliver(ctx context.Context, period bizenv.Period) error {
	if len(d.entities) == 0 {
		return errors.New("report: no entities to report on")
	}
	var errs []error
	for _, entity := range d.entities {
		msg, err := d.message(ctx, period, entity)
		if nd := (report.NoDataError{}); errors.As(err, &nd) {
			d.logger.Info("report waits for data", "entity", entity, "period", period.String())
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("report %s %s: %w", entity, period, err))
			continue
		}
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for _, ch := range d.channels {
			wg.Go(func() {
				if err := d.deliverOne(ctx, bizenv.DeliveryKey{Period: period, Entity: entity, Channel: ch.Name}, ch, msg); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	return errors.Join(errs...)
}

func (d *Deliverer) message(ctx context.Context, period bizenv.Period, entity string) (Message, error) {
	r, err := report.Build(ctx, d.store, period, entity)
	if err != nil {
		return Message{}, err
	}
	m := Message{Report: r, Title: report.Title(r), Fingerprint: r.Fingerprint()}
	if d.baseURL != "" {
		q := url.Values{"period": {period.String()}, "entity": {entity}, "format": {"html"}}
		m.Link = d.baseURL + "/api/v1/reports/monthly?" + q.Encode()
	}
	m.Markdown = report.Markdown(r, m.Link)
	var h, c bytes.Buffer
	if err := report.WriteHTML(&h, r); err != nil {
		return m, err
	}
	if err := report.WriteCSV(&c, r); err != nil {
		return m, err
	}
	m.HTML, m.CSV = h.Bytes(), c.Bytes()
	return m, nil
}

// deliverOne claims k and sends, retrying with backoff; when every attempt
// fails it gives the claim up for the next schedule.
func (d *Deliverer) deliverOne(ctx context.Context, k bizenv.DeliveryKey, ch Channel, m Message) error {
	log := d.logger.With("channel", ch.Name, "entity", k.Entity, "period", k.Period.String())
	ok, correction, err := d.store.ClaimDelivery(ctx, k, d.owner, d.stale, m.Fingerprint)
	if err != nil || !ok {
		return err // sent already, or being sent by another replica
	}
	if correction {
		m = m.asCorrection()
		log = log.With("correction", true)
	}
	wait := d.backoff
	var sendErr error
	for attempt := 1; attempt <= d.attempts; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				sendErr = ctx.Err()
			}
			wait *= 2
		}
		if ctx.Err() == nil {
			sendErr = ch.Sender.Send(ctx, m)
		}
		// Recorded with a context of its own: a cancelled run still
		// leaves an honest row behind.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err := d.store.RecordDeliveryAttempt(rctx, k, sendErr); err != nil {
			log.Error("record delivery", "err", err)
		}
		cancel()
		if sendErr == nil {
			log.Info("report delivered", "attempt", attempt)
			return nil
		}
		log.Warn("report delivery failed", "attempt", attempt, "err", sendErr)
		if ctx.Err() != nil {
			break
		}
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.store.FailDelivery(rctx, k); err != nil {
		log.Error("record delivery", "err", err)
	}
	return fmt.Errorf("channel %s: %w", ch.Name, sendErr)
}

// correctionMonths is how far back a scheduled run looks for delivered
// months whose figures were revised.
const correctionMonths = 12

// Run is one scheduled check at now in loc: it delivers the last closed
// month (a month still without data waits), and delivers again, as
// corrections, the months of the last year whose figures changed since they
// were delivered. The month before the last closed one is checked too when
// earlier months were delivered: its notice may have come late, after the
// month closed; on a first deployment it is left alone, so no stale report
// goes out.
func (d *Deliverer) Run(ctx context.Context, now time.Time, loc *time.Location) error {
	last := bizenv.LastClosed(now, loc)
	delivered, err := d.store.DeliveredPeriods(ctx, last.AddMonths(-correctionMonths))
	if err != nil {
		return err
	}
	prev := last.AddMonths(-1)
	var periods []bizenv.Period
	for _, p := range delivered {
		if p.Before(prev) {
			periods = append(periods, p)
		}
	}
	// Delivered before prev: the schedule ran when prev closed.
	if len(periods) > 0 || slices.Contains(delivered, prev) {
		periods = append(periods, prev)
	}
	periods = append(periods, last)
	var errs []error
	for _, p := range periods {
		errs = append(errs, d.Deliver(ctx, p))
	}
	return errors.Join(errs...)
}

// Schedule adds Run to s on the cron line spec (CRON_TZ= overrides the
// schedule's zone), checking at each time in loc. A run is cancelled when s
// stops and its grace is over; the claims it could not send are recorded as
// failed and left for the next run.
func (d *Deliverer) Schedule(s *schedule.Schedule, spec string, loc *time.Location) (schedule.ID, error) {
	id, err := s.Add(spec, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		if err := d.Run(ctx, time.Now(), loc); err != nil {
			d.logger.Error("report delivery", "err", err)
		}
	})
	if err != nil {
		return 0, fmt.Errorf("report %w", err)
	}
	return id, nil
}
