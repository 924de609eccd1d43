package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv/internal/roundtrip"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// result is what one run of the program gave.
type result struct {
	err            error
	stdout, stderr string
}

func (r result) code() int { return exitCode(r.err) }

// runBizenv runs the program once with args against dsn.
func runBizenv(t *testing.T, dsn string, args ...string) result {
	t.Helper()
	return runBizenvEnv(t, dsn, nil, args...)
}

// runBizenvEnv is runBizenv with more environment variables.
func runBizenvEnv(t *testing.T, dsn string, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "BIZENV_DATABASE_URL" {
			return dsn
		}
		return env[k]
	}
	err := run(context.Background(), append([]string{"bizenv"}, args...), getenv, strings.NewReader(""), &stdout, &stderr)
	return result{err, stdout.String(), stderr.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// importDemoSeries imports the demo's seed report and synthetic series
// into dsn, as `make run` does first.
func importDemoSeries(t *testing.T, dsn string) {
	t.Helper()
	demo := filepath.Join("..", "..", "deploy", "demo")
	if r := runBizenv(t, dsn, "import", filepath.Join(demo, "seed-report.csv"), filepath.Join(demo, "synthetic.csv")); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
}

// lineWriter collects what the program logs and tells waiters when a line
// matching a pattern has been written.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func newLineWriter() *lineWriter { return &lineWriter{lines: make(chan string, 1024)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	sc := bufio.NewScanner(bytes.NewReader(p))
	for sc.Scan() {
		select {
		case w.lines <- sc.Text():
		default:
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var listeningRE = regexp.MustCompile(`msg=listening address=(\S+)`)

// startServe runs `bizenv serve` on a free port until the test ends and
// returns its base URL.
func startServe(t *testing.T, dsn string, args ...string) (string, *lineWriter) {
	t.Helper()
	return startServeEnv(t, map[string]string{"BIZENV_DATABASE_URL": dsn}, args...)
}

// startServeEnv is startServe with the environment env.
func startServeEnv(t *testing.T, env map[string]string, args ...string) (string, *lineWriter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := newLineWriter()
	getenv := func(k string) string { return env[k] }
	done := make(chan error, 1)
	go func() {
		args := append([]string{"bizenv", "serve", "--web.listen-address=127.0.0.1:0"}, args...)
		done <- run(ctx, args, getenv, strings.NewReader(""), io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop within 30s")
		}
	})
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line := <-logs.lines:
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				return "http://" + m[1], logs
			}
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, logs)
		case <-timeout:
			t.Fatalf("serve did not listen within 60s\n%s", logs)
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, b := roundtrip.Do(t, roundtrip.Request(t, http.MethodGet, url, nil))
	return resp.StatusCode, string(b)
}

// noDatabase is a database URL where nothing answers: a command stopped by
// its usage never gets to connect.
const noDatabase = "postgres://nobody@127.0.0.1:1/none?sslmode=disable"

// wantUsageError runs the program with args and wants it to stop with a
// usage error (exit 2) that says want.
func wantUsageError(t *testing.T, want string, args ...string) {
	t.Helper()
	r := runBizenv(t, noDatabase, args...)
	if got, want := r.code(), exitUsage; got != want {
		t.Errorf("exit code: got %d, want %d", got, want)
	}
	if r.err == nil || r.err.Error() != want {
		t.Errorf("error: got %v, want %q", r.err, want)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"import without files", []string{"import"}, "usage: bizenv import [--dry-run] [--allow-partial] FILE [FILE ...]"},
		{"unknown flag", []string{"import", "--nope"}, "flag provided but not defined: -nope"},
		{"catalog without verb", []string{"catalog"}, "usage: bizenv catalog apply FILE | bizenv catalog show"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantUsageError(t, tc.want, tc.args...)
		})
	}
}

func TestUnreachableDatabase(t *testing.T) {
	r := runBizenv(t, "postgres://bizenv:s3cret-pw@127.0.0.1:1/bizenv?sslmode=disable&connect_timeout=2", "migrate")
	if got, want := r.code(), exitUsage; got != want {
		t.Errorf("exit code: got %d, want %d", got, want)
	}
	if r.err == nil || !strings.HasPrefix(r.err.Error(), "connect to database: ") {
		t.Errorf("error: got %v, want a connection error", r.err)
	}
	if strings.Contains(fmt.Sprint(r.err)+r.stderr, "s3cret-pw") {
		t.Errorf("the password leaked: %v %s", r.err, r.stderr)
	}
}

const header = "period,entity,indicator,value,source,note\n"

func TestImport(t *testing.T) {
	dsn := pgtest.DSN(t)
	good := writeFile(t, "good.csv", header+
		"2020-06,wuhan-edz,city_assessment_rank,8,seed,\n"+
		"2020年10月,wuhan-edz,ywtb_case_volume,66.67%,seed,\n"+
		"202110,wuhan-edz,taxloan_credit_amount,80019.85万元,seed,\n")

	t.Run("stores a good file", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", good)
		if r.code() != exitOK {
			t.Fatalf("exit %d: %v\n%s", r.code(), r.err, r.stderr)
		}
		if got, want := r.stdout, "import: 3 inserted, 0 updated, 0 unchanged, 0 rejected: stored\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
	t.Run("re-import changes nothing", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", good)
		if got, want := r.stdout, "import: 0 inserted, 0 updated, 3 unchanged, 0 rejected: stored\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})

	bad := writeFile(t, "bad.csv", header+
		"2020-07,wuhan-edz,city_assessment_rank,9,seed,\n"+
		"2020-08,wuhan-edz,no_such_indicator,1,seed,\n")
	t.Run("all or nothing", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", bad)
		if got, want := r.code(), exitRejected; got != want {
			t.Errorf("exit code: got %d, want %d", got, want)
		}
		if want := bad + `:3: unknown indicator "no_such_indicator"`; !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
		if got, want := r.stdout, "import: 0 inserted, 0 updated, 0 unchanged, 1 rejected: nothing stored (all-or-nothing; --allow-partial stores the good rows)\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
	t.Run("dry run", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", "--dry-run", "--allow-partial", bad)
		if got, want := r.stdout, "import: 1 inserted, 0 updated, 0 unchanged, 1 rejected: dry run, nothing stored\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
	t.Run("allow partial", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", "--allow-partial", bad)
		if got, want := r.code(), exitRejected; got != want {
			t.Errorf("exit code: got %d, want %d", got, want)
		}
		if got, want := r.stdout, "import: 1 inserted, 0 updated, 0 unchanged, 1 rejected: stored\n"; got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		r := runBizenv(t, dsn, "import", filepath.Join(t.TempDir(), "nope.csv"))
		if got, want := r.code(), exitUsage; got != want {
			t.Errorf("exit code: got %d, want %d", got, want)
		}
	})
}

func TestServeHealth(t *testing.T) {
	base, _ := startServe(t, pgtest.DSN(t))
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/"} {
		t.Run(path, func(t *testing.T) {
			if code, body := get(t, base+path); code != http.StatusOK {
				t.Errorf("status: got %d, want 200: %s", code, body)
			}
		})
	}
}

// TestZeroSetup runs bizenv without a database URL: it must start, use and
// stop a private cluster of its own.
func TestZeroSetup(t *testing.T) {
	// The server runs as the postgres user, which must reach the directory.
	dir, err := os.MkdirTemp("", "bizenv-zero-setup-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "pg")
	r := runBizenv(t, "", "migrate", "--database.dir", data)
	if r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	r = runBizenv(t, "", "catalog", "show", "--database.dir", data)
	if r.err != nil {
		t.Fatalf("catalog show: %v\n%s", r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "code: wuhan-edz") {
		t.Errorf("catalog show lacks wuhan-edz:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("the private cluster still runs after the command ended (postmaster.pid: %v)", err)
	}
}
