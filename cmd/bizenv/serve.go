package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runServe(ctx context.Context, env *environment, args []string) error {
	fs, c := newCommandFlags("serve", env)
	var addrs listFlag
	fs.Var(&addrs, "web.listen-address", "address to listen on for metrics, the API and health checks (repeatable; default :9817)")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web configuration file for TLS and basic auth")
	configFile := fs.String("config.file", "", "configuration file: time zone, catalog file, collectors")
	configCheck := fs.Bool("config.check", false, "validate --config.file, print \"config OK\" and exit")
	// Reading a request and writing its answer are bounded so that slow or
	// stalled clients cannot hold connections, and so file descriptors, for
	// ever. The defaults leave room for a 64 MiB upload over a slow link and
	// for the longest answer, a report or an import of a large file.
	readTimeout := fs.Duration("web.read-timeout", 5*time.Minute, "longest time to read a request, body included")
	writeTimeout := fs.Duration("web.write-timeout", 10*time.Minute, "longest time from the end of a request's headers to the end of its answer")
	idleTimeout := fs.Duration("web.idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configFile, *configCheck, env)
	if err != nil || *configCheck {
		return err
	}
	if len(addrs) == 0 {
		addrs = listFlag{":9817"}
	}
	for name, d := range map[string]time.Duration{"web.read-timeout": *readTimeout, "web.write-timeout": *writeTimeout, "web.idle-timeout": *idleTimeout} {
		if d <= 0 {
			return &exitError{code: exitUsage, err: fmt.Errorf("--%s: must be positive, got %s", name, d)}
		}
	}
	if *webConfig != "" {
		if err := web.Validate(*webConfig); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--web.config.file: %w", err)}
		}
	}
	// Everything is built in dependency order: what the environment and the
	// config give, the database, what runs on a schedule, then the handlers
	// that read them all.
	tokens, err := api.ParseTokensEnv(env.getenv("BIZENV_API_TOKENS"))
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	logger := c.logger(env)
	db, err := c.openDatabase(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrate(ctx, db, catalogFiles(cfg)...); err != nil {
		return err
	}
	actions := postgres.NewActionStore(db.DB, time.Now)
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewBuildInfo(version, revision),
		metrics.NewActionsCollector(actions, logger.With("component", "actions")),
	)
	runner, stopCollectors, err := startCollectors(ctx, db, cfg, reg, logger)
	if err != nil {
		return err
	}
	defer stopCollectors()
	stopReports, err := startReports(ctx, db, cfg, reg, logger)
	if err != nil {
		return err
	}
	defer stopReports()
	apiLogger := logger.With("component", "api")
	handler := newHandler(db, reg, api.NewServer(api.Config{
		Store:        db.DB,
		Tokens:       api.NewTokens(tokens, cfg.API.TokensFile, apiLogger),
		Collectors:   runner,
		Actions:      actions,
		MaxBodyBytes: cfg.API.MaxBodyBytes,
		ReportEntity: cfg.ReportEntity(),
		Now:          func() time.Time { return time.Now().In(cfg.Location) },
		Logger:       apiLogger,
	}), logger)

	listeners := make([]net.Listener, 0, len(addrs))
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return &exitError{code: exitUsage, err: fmt.Errorf("listen on %s: %w", a, err)}
		}
		listeners = append(listeners, l)
		logger.Info("listening", "address", l.Addr().String())
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       *readTimeout,
		WriteTimeout:      *writeTimeout,
		IdleTimeout:       *idleTimeout,
	}
	systemd := false
	served := make(chan error, 1)
	go func() {
		served <- web.ServeMultiple(listeners, srv, &web.FlagConfig{
			WebListenAddresses: (*[]string)(&addrs), WebSystemdSocket: &systemd, WebConfigFile: webConfig,
		}, logger)
	}()

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
		logger.Info("shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// newHandler is every route serve answers: the API (its routes are in
// api/routes.go), the metrics, the health checks and the landing page.
func newHandler(db *database, reg *prometheus.Registry, apiHandler http.Handler, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiHandler)
	mux.Handle("GET /metrics", metrics.NewHandler(db, reg, logger))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		if n, err := db.Pending(ctx); err != nil || n > 0 {
			http.Error(w, "migrations not applied", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	landing, err := newLandingPage(version)
	if err == nil {
		mux.Handle("GET /{$}", landing)
	} else {
		logger.Error("landing page", "err", err)
	}
	return api.JSONErrors(mux)
}
