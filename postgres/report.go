package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizenv/bizenv"
)

// ClaimDelivery claims k for owner, to send the figures whose fingerprint
// is fingerprint: claimed is true when the caller may send, because nobody
// had claimed k, or its last claim failed, or its sender has held it, still
// sending, for longer than stale, or it was delivered with other figures.
// correction is true in that last case (and when a correction's send is
// retried). Exactly one caller wins each claim, whatever the number of
// replicas.
func (db *DB) ClaimDelivery(ctx context.Context, k bizenv.DeliveryKey, owner string, stale time.Duration, fingerprint string) (claimed, correction bool, _ error) {
	err := db.pool.GetContext(ctx, &correction, db.Query("ClaimDelivery"), k.Period.Time(), k.Entity, k.Channel, owner, fingerprint)
	if err == nil {
		return true, correction, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, false, fmt.Errorf("claim delivery %s: %w", k.Channel, err)
	}
	if _, err := db.pool.ExecContext(ctx, db.Query("AdoptDeliveredFingerprint"), k.Period.Time(), k.Entity, k.Channel, fingerprint); err != nil {
		return false, false, fmt.Errorf("claim delivery %s: %w", k.Channel, err)
	}
	err = db.pool.GetContext(ctx, &correction, db.Query("ReclaimDelivery"), k.Period.Time(), k.Entity, k.Channel, owner,
		fmt.Sprintf("%d seconds", int(stale.Seconds())), fingerprint)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, false, nil
	case err != nil:
		return false, false, fmt.Errorf("claim delivery %s: %w", k.Channel, err)
	}
	return true, correction, nil
}

// DeliveredPeriods returns the months delivered to some channel since
// since, oldest first.
func (db *DB) DeliveredPeriods(ctx context.Context, since bizenv.Period) ([]bizenv.Period, error) {
	var ts []time.Time
	if err := db.pool.SelectContext(ctx, &ts, db.Query("DeliveredPeriods"), since.Time()); err != nil {
		return nil, fmt.Errorf("read delivered periods: %w", err)
	}
	out := make([]bizenv.Period, 0, len(ts))
	for _, t := range ts {
		out = append(out, bizenv.NewPeriod(t.Year(), t.Month()))
	}
	return out, nil
}

// RecordDeliveryAttempt records one send of k: sent when sendErr is nil.
func (db *DB) RecordDeliveryAttempt(ctx context.Context, k bizenv.DeliveryKey, sendErr error) error {
	msg := ""
	if sendErr != nil {
		msg = validUTF8(sendErr.Error())
		if msg == "" {
			msg = "failed"
		}
	}
	if _, err := db.pool.ExecContext(ctx, db.Query("DeliveryAttempt"), k.Period.Time(), k.Entity, k.Channel, msg); err != nil {
		return fmt.Errorf("record delivery %s: %w", k.Channel, err)
	}
	return nil
}

// FailDelivery gives up k's claim, leaving it for the next schedule.
func (db *DB) FailDelivery(ctx context.Context, k bizenv.DeliveryKey) error {
	if _, err := db.pool.ExecContext(ctx, db.Query("FailDelivery"), k.Period.Time(), k.Entity, k.Channel); err != nil {
		return fmt.Errorf("record delivery %s: %w", k.Channel, err)
	}
	return nil
}

// DeliveryTotals returns the counts of every channel.
func (db *DB) DeliveryTotals(ctx context.Context) ([]bizenv.DeliveryTotal, error) {
	var out []bizenv.DeliveryTotal
	if err := db.pool.SelectContext(ctx, &out, db.Query("DeliveryTotals")); err != nil {
		return nil, fmt.Errorf("read delivery totals: %w", err)
	}
	return out, nil
}
