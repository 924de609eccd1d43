package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
)

// snapshotPeerRanks reads every series' standing among its peers in tx and
// sets it on series, which SnapshotSeries read in the same transaction, so
// the ranks are of the values the snapshot shows.
func (db *DB) snapshotPeerRanks(ctx context.Context, tx *sqlx.Tx, series []bizenv.SeriesStatus) error {
	type key struct{ indicator, entity string }
	at := make(map[key]int, len(series))
	for i, s := range series {
		at[key{s.Indicator, s.Entity}] = i
	}
	rows, err := tx.QueryContext(ctx, db.Query("SnapshotPeerRanks"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k                   key
			peers, rank, streak int
		)
		if err := rows.Scan(&k.indicator, &k.entity, &peers, &rank, &streak); err != nil {
			return err
		}
		if i, ok := at[k]; ok {
			series[i].PeerCount, series[i].PeerRank, series[i].LastPlaceStreak = peers, rank, streak
		}
	}
	return rows.Err()
}
