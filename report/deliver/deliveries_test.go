package deliver_test

import (
	"context"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// delivery is one recorded delivery, as the tests inspect it: the store
// itself only claims deliveries and records their sends.
type delivery struct {
	Period      bizenv.Period
	Entity      string
	Channel     string
	Status      string
	Attempts    int
	Failures    int
	ClaimedBy   string
	SentAt      *time.Time
	Error       string
	Corrections int // corrections delivered after the first send
}

// deliveries returns every delivery recorded in db, a store pgtest made.
func deliveries(t *testing.T, db *postgres.DB) ([]delivery, error) {
	t.Helper()
	rows, err := pgtest.SQL(t, db).QueryContext(context.Background(), `
SELECT period, entity, channel, status, attempts, failures, claimed_by, sent_at, error, corrections
FROM report_deliveries
ORDER BY period, entity, channel`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		var (
			d      delivery
			period time.Time
		)
		if err := rows.Scan(&period, &d.Entity, &d.Channel, &d.Status, &d.Attempts, &d.Failures, &d.ClaimedBy, &d.SentAt, &d.Error, &d.Corrections); err != nil {
			return nil, err
		}
		d.Period = bizenv.NewPeriod(period.Year(), period.Month())
		out = append(out, d)
	}
	return out, rows.Err()
}
