// Package kind is the contract between the collectors' Runner and the
// source kinds (tabular, http_json, sql, worldbank): what a kind is built
// with, how it plans the periods asked for into runs, and how one run
// fetches. A new kind is a package that implements Source and a line in
// the Runner's table of kinds.
package kind

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Source is one collector's source.
type Source interface {
	// Plan splits the periods asked for (one or more consecutive months)
	// into runs, each recorded on its own: see Each, All and InData.
	Plan(periods []bizenv.Period) [][]bizenv.Period
	// Fetch makes one run: it returns the good observations, the rejects
	// and the raw payloads; an error means nothing should be stored.
	Fetch(ctx context.Context, j Job) (bizenv.Batch, error)
	// Secrets are scrubbed from every error that is recorded or logged.
	Secrets() []string
}

// New builds a kind's source from its collector as validated.
type New func(c config.Source, d Deps) Source

// Deps are what every kind is built with besides its configuration.
type Deps struct {
	HTTP    *http.Client  // http.DefaultClient when nil
	Backoff time.Duration // first wait before retrying a request; 1s when 0
	Logger  *slog.Logger  // scoped to the collector; discarded when nil
}

// Log returns Logger, or a logger that discards when it is nil.
func (d Deps) Log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Client returns the HTTP client of the collector c: its timeout and
// retries, sending headers with every request.
func (d Deps) Client(c config.Source, headers map[string]string) *fetch.Client {
	return &fetch.Client{HTTP: d.HTTP, Headers: headers, Timeout: c.Timeout, Retries: c.Retries,
		Backoff: d.Backoff, Logger: d.Logger}
}

// Job is one run's fetch.
type Job struct {
	// Periods are this run's periods as planned; nil for a source whose
	// data names its own periods.
	Periods []bizenv.Period
	// Scheduled is true when no period was asked for (a scheduled run, or
	// collect without --period): Periods then holds the last closed month.
	Scheduled bool
	Catalog   bizenv.Catalog
	Validator *ingest.Validator
	// Stored reports whether content with this hex SHA-256 was stored by
	// an earlier successful run of the collector.
	Stored func(ctx context.Context, sha256 string) (bool, error)
}

// Each plans one run per period: for a source that is asked for one
// period at a time, so each period of a backfill is a run of its own.
func Each(periods []bizenv.Period) [][]bizenv.Period {
	runs := make([][]bizenv.Period, 0, len(periods))
	for _, p := range periods {
		runs = append(runs, []bizenv.Period{p})
	}
	return runs
}

// All plans one run that is given every period asked for.
func All(periods []bizenv.Period) [][]bizenv.Period { return [][]bizenv.Period{periods} }

// InData plans one run that is given no period: the source (files,
// queries) holds its periods in its data.
func InData([]bizenv.Period) [][]bizenv.Period { return [][]bizenv.Period{nil} }
