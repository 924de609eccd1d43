package postgres

import (
	"context"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
)

type seriesKey struct{ indicator, entity string }

// peerStanding is one series' standing among its peers.
type peerStanding struct{ count, rank, lastPlaceStreak int }

// peerRanks holds the standings of a snapshot's series.
type peerRanks map[seriesKey]peerStanding

// snapshotPeerRanks reads in tx the standing among its peers of every
// series of the entities in only (every entity when only is nil), which
// must hold whole peer groups (see withPeers): a series is ranked against
// the latest values of the others in its group.
func (db *DB) snapshotPeerRanks(ctx context.Context, tx *sqlx.Tx, only any) (peerRanks, error) {
	rows, err := tx.QueryContext(ctx, db.Query("SnapshotPeerRanks"), only)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := peerRanks{}
	for rows.Next() {
		var (
			k  seriesKey
			st peerStanding
		)
		if err := rows.Scan(&k.indicator, &k.entity, &st.count, &st.rank, &st.lastPlaceStreak); err != nil {
			return nil, err
		}
		out[k] = st
	}
	return out, rows.Err()
}

// fill returns fn with each series' standing set on it first.
func (p peerRanks) fill(fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) func(*bizenv.Snapshot, bizenv.SeriesStatus) error {
	return func(snap *bizenv.Snapshot, s bizenv.SeriesStatus) error {
		if st, ok := p[seriesKey{s.Indicator, s.Entity}]; ok {
			s.PeerCount, s.PeerRank, s.LastPlaceStreak = st.count, st.rank, st.lastPlaceStreak
		}
		return fn(snap, s)
	}
}

// withPeers adds to the changed entities their peers (the entities of
// their kind under their parent): a changed value moves its peers' ranks.
func withPeers(changed []string, entities []bizenv.Entity) []string {
	type group struct{ parent, kind string }
	groups := map[group]bool{}
	set := make(map[string]bool, len(changed))
	for _, c := range changed {
		set[c] = true
	}
	for _, e := range entities {
		if set[e.Code] {
			groups[group{e.Parent, e.Kind}] = true
		}
	}
	out := slices.Clone(changed)
	for _, e := range entities {
		if !set[e.Code] && groups[group{e.Parent, e.Kind}] {
			out = append(out, e.Code)
		}
	}
	slices.Sort(out)
	return out
}
