// Package api serves bizenv's JSON API under /api/v1 (SPEC section 7):
// the catalog, series, rankings, collectors and their runs, rejects, the
// monthly report, and the writes (observations, file import, collector
// run), which need a bearer token whose name is recorded on every revision
// they make.
package api

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/report"
)

// Store is what the API reads and writes. postgres.DB is one.
type Store interface {
	report.Store
	bizenv.ObservationStore
	Series(ctx context.Context, indicator, entity string, from, to bizenv.Period) ([]postgres.Point, error)
	Collectors(ctx context.Context) ([]postgres.CollectorSummary, error)
	CollectorRuns(ctx context.Context, name string, limit int) ([]bizenv.Run, error)
	Rejects(ctx context.Context, run int64, file string, limit int) ([]postgres.StoredReject, error)
}

// CollectorRunner runs a configured collector now, through the same path
// as its schedule. Errors: ENOTFOUND for an unknown collector, ECONFLICT
// when it is running already.
type CollectorRunner interface {
	RunNow(ctx context.Context, name string) (bizenv.Run, error)
}

// Config is what NewServer needs.
type Config struct {
	Store Store
	// Tokens authorises writes; with none, every write is refused.
	Tokens TokenSource
	// Collectors runs collectors on request; nil answers 501.
	Collectors CollectorRunner
	// Actions is the rectification ledger; nil answers 501.
	Actions bizenv.ActionService
	// MaxBodyBytes bounds a request body (config.DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Now is the clock for validation (time.Now when nil).
	Now func() time.Time
}

// Server is the API's http.Handler.
type Server struct {
	cfg Config
	mux *http.ServeMux
}

// NewServer returns the API, routing the full paths under /api/v1/; mount
// it at "/api/v1/".
func NewServer(cfg Config) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = config.DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tokens == nil {
		cfg.Tokens = NewTokens(nil, "")
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the API's OpenAPI 3 document as written (YAML).
func OpenAPI() []byte { return openapiYAML }
