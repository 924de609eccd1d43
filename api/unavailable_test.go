package api_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// pgProxy forwards TCP connections to a PostgreSQL server until cut, when
// it closes every connection and refuses new ones: the database, as the
// store sees it, goes down.
type pgProxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{l: l}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *pgProxy) cut() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestWriteWhileDatabaseDown: a write while PostgreSQL cannot be reached
// answers 503 unavailable, not 500.
func TestWriteWhileDatabaseDown(t *testing.T) {
	ctx := context.Background()
	dsn, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, dsn.Host)
	dsn.Host = proxy.l.Addr().String()
	db, err := postgres.Open(ctx, dsn.String(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ApplyCatalog(ctx, bizenv.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewServer(api.Config{
		Store:  db,
		Tokens: api.NewTokens([]api.Token{{Name: "analyst", Secret: analystToken}}, "", nil),
	}))
	defer srv.Close()
	post := func(t *testing.T, path, body string) (int, []byte) {
		t.Helper()
		req := roundtrip.Request(t, http.MethodPost, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+analystToken)
		req.Header.Set("Content-Type", "application/json")
		resp, b := roundtrip.Do(t, req)
		return resp.StatusCode, b
	}
	const record = `[{"period":"2020-06","entity":"wuhan-edz","indicator":"city_assessment_rank","value":8}]`
	if status, body := post(t, "/api/v1/observations", record); status != http.StatusOK {
		t.Fatalf("write before the outage: %d %s", status, body)
	}

	proxy.cut()
	for _, path := range []string{"/api/v1/observations", "/api/v1/observations?dry_run=true"} {
		t.Run(path, func(t *testing.T) {
			status, body := post(t, path, record)
			wantError(t, status, body, http.StatusServiceUnavailable, bizenv.EUNAVAILABLE)
		})
	}
}
