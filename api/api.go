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
)

// Store is what the API reads and writes.
type Store interface {
	bizenv.CatalogReader
	bizenv.SeriesService
	bizenv.ObservationStore
	bizenv.CollectorService
	bizenv.RejectService
}

// CollectorRunner runs a configured collector now, through the same path
// as its schedule, recording actor (the token's name) as who changed what
// it stores. Errors: ENOTFOUND for an unknown collector, ECONFLICT when it
// is running already.
type CollectorRunner interface {
	RunNow(ctx context.Context, name, actor string) (bizenv.Run, error)
}

// DefaultMaxBodyBytes bounds a request body when Config gives no bound.
const DefaultMaxBodyBytes = 32 << 20

// Config is what NewServer needs.
type Config struct {
	Store Store
	// Tokens authorises writes; with none, every write is refused.
	Tokens TokenSource
	// Collectors runs collectors on request; nil answers 501.
	Collectors CollectorRunner
	// Actions is the rectification ledger; nil answers 501.
	Actions bizenv.ActionService
	// MaxBodyBytes bounds a request body (DefaultMaxBodyBytes when 0).
	MaxBodyBytes int64
	// MaxRecords bounds the records of one POST /observations
	// (DefaultMaxRecords when 0).
	MaxRecords int
	// ReportEntity is the entity a report is for when the request names
	// none (the config's, see config.Config.ReportEntity); the first
	// district of the catalog when it is empty or not in the catalog.
	ReportEntity string
	Logger       *slog.Logger
	// Now is the clock for validation, in the configured time zone: the
	// month it falls in there is the latest a record may have (time.Now,
	// in the host's zone, when nil).
	Now func() time.Time
}

// DefaultMaxRecords bounds the records of one POST /observations: a
// month of a whole province's indicators; larger loads go through import.
const DefaultMaxRecords = 100_000

// Server is the API's http.Handler.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	handler http.Handler // mux, with unknown paths and methods in the JSON error shape
}

// NewServer returns the API, routing the full paths under /api/v1/; mount
// it at "/api/v1/".
func NewServer(cfg Config) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = DefaultMaxRecords
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tokens == nil {
		cfg.Tokens = NewTokens(nil, "", nil)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.routes()
	s.handler = JSONErrors(s.mux)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the API's OpenAPI 3 document as written (YAML).
func OpenAPI() []byte { return openapiYAML }
