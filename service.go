package bizenv

import (
	"context"
	"time"
)

// The services below are what the adapters (api, report, report/deliver)
// need from the store; postgres.DB implements every one of them, and only
// cmd/bizenv knows that. Each lists the error codes it returns: any other
// error is EINTERNAL, a database failure a user cannot act on.

// CatalogReader reads the catalog.
type CatalogReader interface {
	// Catalog returns all stored indicators and entities, ordered by code.
	// Errors: EINTERNAL.
	Catalog(ctx context.Context) (Catalog, error)
}

// Point is one period's value of a series, with where it came from.
type Point struct {
	Period Period
	Value  float64
	Source string
	Note   string
}

// SeriesService reads the current values of stored observations.
type SeriesService interface {
	// Series returns one indicator's values for one entity from from to
	// to, both included, oldest first; none for an unknown code.
	// Errors: EINTERNAL.
	Series(ctx context.Context, indicator, entity string, from, to Period) ([]Point, error)
	// PeriodValues returns one indicator's value for every entity that has
	// one in period, ordered by entity. Errors: EINTERNAL.
	PeriodValues(ctx context.Context, indicator string, period Period) ([]Observation, error)
	// History returns the values of entities from from to to, both
	// included, ordered by entity, indicator and period. Errors: EINTERNAL.
	History(ctx context.Context, entities []string, from, to Period) ([]Observation, error)
}

// CollectorService reads what the recorded runs say about collectors.
type CollectorService interface {
	// Collectors returns every collector that has recorded a run, by name.
	// Errors: EINTERNAL.
	Collectors(ctx context.Context) ([]CollectorStatus, error)
	// CollectorRuns returns the newest limit runs of the named collector,
	// none for a collector that never ran. Errors: EINTERNAL.
	CollectorRuns(ctx context.Context, name string, limit int) ([]Run, error)
}

// StoredReject is a rejected record as stored, with the run that read it.
type StoredReject struct {
	ID        int64     `db:"id" json:"id"`
	RunID     int64     `db:"run_id" json:"run_id"`
	File      string    `db:"file" json:"file"`
	Line      int       `db:"line" json:"line"`
	Record    string    `db:"record" json:"record"`
	Reason    string    `db:"reason" json:"reason"`
	Code      string    `db:"code" json:"code"`
	ReasonZH  string    `db:"reason_zh" json:"reason_zh"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// RejectService reads the stored rejects.
type RejectService interface {
	// Rejects returns the newest limit rejects of run (0 for any run) and
	// file ("" for any file). Errors: EINTERNAL.
	Rejects(ctx context.Context, run int64, file string, limit int) ([]StoredReject, error)
}

// DeliveryKey names one report sent to one channel.
type DeliveryKey struct {
	Period  Period
	Entity  string
	Channel string
}

// DeliveryTotal counts one channel's reports sent and sends failed.
type DeliveryTotal struct {
	Channel string `db:"channel"`
	Sent    int64  `db:"sent"`
	Failed  int64  `db:"failed"`
}

// DeliveryService records the deliveries of the monthly report, so that
// each is sent once however many replicas run the schedule.
type DeliveryService interface {
	// ClaimDelivery claims k for owner, to send the figures whose
	// fingerprint is fingerprint: claimed is true when the caller may send.
	// correction is true when k was delivered before with other figures.
	// Exactly one caller wins each claim. Errors: EINTERNAL.
	ClaimDelivery(ctx context.Context, k DeliveryKey, owner string, stale time.Duration, fingerprint string) (claimed, correction bool, _ error)
	// DeliveredPeriods returns the months delivered to some channel since
	// since, oldest first. Errors: EINTERNAL.
	DeliveredPeriods(ctx context.Context, since Period) ([]Period, error)
	// RecordDeliveryAttempt records one send of k: sent when sendErr is
	// nil. Errors: EINTERNAL.
	RecordDeliveryAttempt(ctx context.Context, k DeliveryKey, sendErr error) error
	// FailDelivery gives up k's claim, leaving it for the next schedule.
	// Errors: EINTERNAL.
	FailDelivery(ctx context.Context, k DeliveryKey) error
	DeliveryTotalsService
}

// DeliveryTotalsService reads the delivery counts.
type DeliveryTotalsService interface {
	// DeliveryTotals returns the counts of every channel that has a
	// delivery recorded. Errors: EINTERNAL.
	DeliveryTotals(ctx context.Context) ([]DeliveryTotal, error)
}
