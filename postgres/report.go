package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizenv/bizenv"
)

// DeliveryKey names one report sent to one channel.
type DeliveryKey struct {
	Period  bizenv.Period
	Entity  string
	Channel string
}

// ClaimDelivery claims k for owner: it is true when the caller may send,
// because nobody had claimed k, or its last claim failed, or its sender has
// held it, still sending, for longer than stale. Exactly one caller wins
// each claim, whatever the number of replicas.
func (db *DB) ClaimDelivery(ctx context.Context, k DeliveryKey, owner string, stale time.Duration) (bool, error) {
	var ch string
	err := db.GetContext(ctx, &ch, db.Query("ClaimDelivery"), k.Period.Time(), k.Entity, k.Channel, owner)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("claim delivery %s: %w", k.Channel, err)
	}
	err = db.GetContext(ctx, &ch, db.Query("ReclaimDelivery"), k.Period.Time(), k.Entity, k.Channel, owner,
		fmt.Sprintf("%d seconds", int(stale.Seconds())))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("claim delivery %s: %w", k.Channel, err)
	}
	return true, nil
}

// RecordDeliveryAttempt records one send of k: sent when sendErr is nil.
func (db *DB) RecordDeliveryAttempt(ctx context.Context, k DeliveryKey, sendErr error) error {
	msg := ""
	if sendErr != nil {
		msg = validUTF8(sendErr.Error())
		if msg == "" {
			msg = "failed"
		}
	}
	if _, err := db.ExecContext(ctx, db.Query("DeliveryAttempt"), k.Period.Time(), k.Entity, k.Channel, msg); err != nil {
		return fmt.Errorf("record delivery %s: %w", k.Channel, err)
	}
	return nil
}

// FailDelivery gives up k's claim, leaving it for the next schedule.
func (db *DB) FailDelivery(ctx context.Context, k DeliveryKey) error {
	if _, err := db.ExecContext(ctx, db.Query("FailDelivery"), k.Period.Time(), k.Entity, k.Channel); err != nil {
		return fmt.Errorf("record delivery %s: %w", k.Channel, err)
	}
	return nil
}

// Delivery is one recorded delivery.
type Delivery struct {
	DeliveryKey
	Status    string
	Attempts  int
	Failures  int
	ClaimedBy string
	SentAt    *time.Time
	Error     string
}

// Deliveries returns every recorded delivery.
func (db *DB) Deliveries(ctx context.Context) ([]Delivery, error) {
	rows, err := db.QueryContext(ctx, db.Query("Deliveries"))
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var (
			d Delivery
			t time.Time
		)
		if err := rows.Scan(&t, &d.Entity, &d.Channel, &d.Status, &d.Attempts, &d.Failures, &d.ClaimedBy, &d.SentAt, &d.Error); err != nil {
			return nil, fmt.Errorf("read deliveries: %w", err)
		}
		d.Period = bizenv.NewPeriod(t.Year(), t.Month())
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveryTotal counts one channel's reports sent and sends failed.
type DeliveryTotal struct {
	Channel string `db:"channel"`
	Sent    int64  `db:"sent"`
	Failed  int64  `db:"failed"`
}

// DeliveryTotals returns the counts of every channel.
func (db *DB) DeliveryTotals(ctx context.Context) ([]DeliveryTotal, error) {
	var out []DeliveryTotal
	if err := db.SelectContext(ctx, &out, db.Query("DeliveryTotals")); err != nil {
		return nil, fmt.Errorf("read delivery totals: %w", err)
	}
	return out, nil
}
