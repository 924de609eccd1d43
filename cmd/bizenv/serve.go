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

	"github.com/bizenv/bizenv/metrics"
	"github.com/bizenv/bizenv/postgres"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runServe(ctx context.Context, env *environment, args []string) error {
	var c commonFlags
	fs := newFlagSet("serve", env)
	c.register(fs)
	var addrs listFlag
	fs.Var(&addrs, "web.listen-address", "address to listen on for metrics, the API and health checks (repeatable; default :9817)")
	webConfig := fs.String("web.config.file", "", "exporter-toolkit web configuration file for TLS and basic auth")
	configFile := fs.String("config.file", "", "configuration file: time zone, catalog file, collectors")
	configCheck := fs.Bool("config.check", false, "validate --config.file, print \"config OK\" and exit")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configFile, *configCheck, env)
	if err != nil || *configCheck {
		return err
	}
	if len(addrs) == 0 {
		addrs = listFlag{":9817"}
	}
	if *webConfig != "" {
		if err := web.Validate(*webConfig); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("--web.config.file: %w", err)}
		}
	}
	logger := c.logger(env)
	db, err := c.openPrepared(ctx, env, logger, catalogFiles(cfg)...)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewBuildInfo(version, revision),
		metrics.NewActionsCollector(postgres.NewActionStore(db.DB, time.Now), logger.With("component", "actions")),
	)
	runner, stopCollectors, err := startCollectors(db, cfg, reg, logger)
	if err != nil {
		return err
	}
	defer stopCollectors()
	handler := newHandler(db, reg, logger)
	handler, stopReports, err := serveAPIAndReports(env, db, cfg, runner, reg, handler, logger)
	if err != nil {
		return err
	}
	defer stopReports()

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
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
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

// newHandler routes the metrics, health checks and the landing page.
func newHandler(db *database, reg *prometheus.Registry, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.NewHandler(db, metrics.New(db, logger), reg, logger))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		if n, err := db.Pending(ctx); err != nil || n > 0 {
			http.Error(w, "migrations not applied", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "bizenv",
		Description: "营商环境月度监测 · business-environment indicators month by month",
		Version:     version,
		Links: []web.LandingLinks{
			{Address: "/metrics", Text: "Metrics"},
			{Address: "/api/v1/indicators", Text: "API: indicators"},
			{Address: "/readyz", Text: "Readiness"},
		},
	})
	if err == nil {
		mux.Handle("GET /{$}", landing)
	}
	return mux
}
