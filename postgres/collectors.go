package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/bizenv/bizenv"
)

// LockCollector takes the advisory lock of the named collector on a
// connection of its own, without waiting. ok is false when another session
// (another replica, another `bizenv collect`) holds it. When ok, unlock
// must be called once the run is over; it releases the lock and returns
// the connection. The lock also goes when the session ends, so a process
// that dies does not keep it.
func (db *DB) LockCollector(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	conn, err := db.pool.Connx(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock collector %s: %w", name, err)
	}
	if err := conn.GetContext(ctx, &ok, db.Query("TryCollectorLock"), name); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock collector %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		// A fresh context: the run's may be cancelled, and a lock left on a
		// pooled connection would block the collector for good.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var released bool
		if err := conn.GetContext(ctx, &released, db.Query("CollectorUnlock"), name); err != nil || !released {
			// Closing a connection of a broken session would return it to
			// the pool; make sure it is discarded instead, which ends the
			// session and its locks.
			conn.Raw(func(any) error { return driver.ErrBadConn })
			db.logger.Warn("release collector lock", "collector", name, "err", err)
		}
		conn.Close()
	}, true, nil
}

// PayloadStored reports whether a payload with the hex SHA-256 sum was
// stored by a successful (or partly successful) run of the collector.
func (db *DB) PayloadStored(ctx context.Context, collector, sum string) (bool, error) {
	var ok bool
	if err := db.pool.GetContext(ctx, &ok, db.Query("PayloadStored"), sum, bizenv.RunCollector, collector); err != nil {
		return false, fmt.Errorf("look up payload: %w", err)
	}
	return ok, nil
}
