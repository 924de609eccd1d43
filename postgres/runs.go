package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
)

// How a run left "running" by a dead process is told from one in progress:
// the connection that records a run's start takes a session-level advisory
// lock keyed by the run's id in the same transaction, and keeps it (and the
// connection, out of the pool) until the run is finished. The row becomes
// visible only with the lock held, and the lock is released only after the
// finish is committed, so a run that is "running" and whose lock is free
// belongs to a process that is gone: killed, crashed, or cut off from the
// database for long enough that PostgreSQL ended its session. PostgreSQL
// releases a session's locks when the session ends, which is when the
// client's socket closes, so a SIGKILL frees the lock at once.
//
// Such runs are failed ("interrupted") by FailDeadRuns, which StartRun
// calls before recording a new run, and `bizenv verify --repair` calls
// too. A run whose process lost its session but lives on (the database
// restarted under it) may be failed this way while it still works; if it
// then finishes, its finish overwrites the failure with the true outcome.
//
// The cost is one pooled connection per run in progress.

// runLocks holds the connection of each run this process started and has
// not finished. The zero value is ready to use.
type runLocks struct {
	mu    sync.Mutex
	conns map[int64]*sqlx.Conn
}

// startRun records a run's start and takes its lock, both committed
// together on a connection kept until finishRun.
func (db *DB) startRun(ctx context.Context, kind, name, actor string) (bizenv.Run, error) {
	var r bizenv.Run
	if _, err := db.FailDeadRuns(ctx); err != nil {
		// Not fatal: the new run does not depend on old ones.
		db.logger.Warn("fail dead runs", "err", err)
	}
	conn, err := db.pool.Connx(ctx)
	if err != nil {
		return r, fmt.Errorf("record run start: %w", err)
	}
	err = func() error {
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if err := tx.GetContext(ctx, &r, db.Query("StartRun"), kind, name, actor); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.Query("LockRun"), r.ID); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		// A session lock taken in a transaction that failed is still held:
		// end the session rather than return it to the pool.
		discard(conn)
		return bizenv.Run{}, fmt.Errorf("record run start: %w", err)
	}
	db.runs.mu.Lock()
	if db.runs.conns == nil {
		db.runs.conns = map[int64]*sqlx.Conn{}
	}
	db.runs.conns[r.ID] = conn
	db.runs.mu.Unlock()
	return r, nil
}

// finishRun releases the lock of a run whose finish has been committed, or
// could not be: either way the run is no longer in progress here.
func (db *DB) finishRun(id int64) {
	db.runs.mu.Lock()
	conn := db.runs.conns[id]
	delete(db.runs.conns, id)
	db.runs.mu.Unlock()
	if conn == nil {
		return
	}
	// A fresh context: the run's may be cancelled, and a lock left on a
	// pooled connection would make the run look alive for good.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var released bool
	if err := conn.GetContext(ctx, &released, db.Query("UnlockRun"), id); err != nil || !released {
		discard(conn)
		if err != nil {
			db.logger.Warn("release run lock", "run", id, "err", err)
		}
		return
	}
	conn.Close()
}

// discard closes conn so that it is not reused: its session ends, and with
// it every lock the session holds.
func discard(conn *sqlx.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// FailDeadRuns marks failed the runs left "running" by a process that is
// gone, and returns their ids.
func (db *DB) FailDeadRuns(ctx context.Context) ([]int64, error) {
	var ids []int64
	if err := db.pool.SelectContext(ctx, &ids, db.Query("FailDeadRuns")); err != nil {
		return nil, fmt.Errorf("fail dead runs: %w", err)
	}
	if len(ids) > 0 {
		db.logger.Warn("failed runs left running by a process that is gone", "runs", ids)
	}
	return ids, nil
}
