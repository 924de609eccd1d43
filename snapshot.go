package bizenv

import "time"

// Snapshot is where everything stands at one moment, read consistently: the
// catalog, the latest period of every series and the health of every
// collector. /metrics is rendered from one.
type Snapshot struct {
	// Version is the data version the snapshot was read at: it changes
	// with every committed write that could change the snapshot.
	Version    int64
	Catalog    Catalog
	Series     []SeriesStatus    // ordered by entity, then indicator
	Collectors []CollectorStatus // ordered by name
	// Partial is set on a snapshot read since an earlier version that
	// holds only what a write since then may have changed: Series then
	// holds only the series of the entities in Changed (an entity whose
	// series are all gone is in Changed with none), every other entity's
	// series being as they were at that version.
	Partial bool
	Changed []string
}

// SeriesStatus is one indicator for one entity at its latest period, with
// the figures the trend is judged by. "Step" is the indicator's frequency:
// a month, or a year for annual indicators.
type SeriesStatus struct {
	Indicator string
	Entity    string
	Period    Period // the latest period with a value
	Value     float64
	// Previous is the value one step before Period; nil when that period
	// has none.
	Previous *float64
	// DeclineStreak counts the consecutive steps, ending at Period, in
	// which the value declined against the step before. A missing period
	// ends the streak; neutral indicators never decline.
	DeclineStreak int
	// DeclineSince is where the streak started, the period before its
	// first decline, and DeclineFrom the value there; both nil when
	// DeclineStreak is 0.
	DeclineSince *Period
	DeclineFrom  *float64
	// Benchmark is the entity's benchmark entity, "" when it has none, and
	// BenchmarkValue that entity's value in Period, nil when it has none.
	Benchmark      string
	BenchmarkValue *float64
	// PeerCount is how many of the entity's peers (entities of its kind
	// under its parent, itself included) have a value in Period; 0 when
	// it has no peers or the indicator is neutral. PeerRank is its rank
	// among them, best = 1, ties sharing a rank, and LastPlaceStreak the
	// consecutive periods, ending at Period, in which it ranked last; both
	// are meaningful only when PeerCount is 2 or more.
	PeerCount, PeerRank, LastPlaceStreak int
}

// CollectorStatus is what the recorded runs of one collector say about it.
type CollectorStatus struct {
	Name string
	// Runs counts every recorded run, running ones included; Latest is the
	// start of the newest of them and LatestOutcome its outcome
	// (OutcomeRunning while it runs).
	Runs          int64
	Latest        *time.Time
	LatestOutcome string
	// LastRun is the start of the newest finished run and LastRunSucceeded
	// its outcome (a partial run succeeded); LastRun is nil before the
	// first run finishes.
	LastRun          *time.Time
	LastRunSucceeded bool
	// LastSuccess is the end of the newest run that succeeded, nil if none.
	LastSuccess *time.Time
	// Succeeded and Failed count finished runs; partial runs succeeded.
	Succeeded, Failed int64
	// Records sums the counts of every run.
	Records Counts
}
