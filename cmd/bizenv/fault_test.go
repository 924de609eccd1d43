package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/pgcluster"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// Fault tests run the real binary, built here, so that a SIGKILL is a real
// one and nothing of the test process helps the program recover.

// buildBizenv builds the binary into a directory of t's.
func buildBizenv(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bizenv")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is a bizenv process.
type child struct {
	cmd         *exec.Cmd
	stdout, log *lineWriter
	exited      chan struct{}
	err         error // of Wait, once exited is closed
}

// startChild starts bin with args and the environment variables env (and
// PATH), killed when t ends if still running.
func startChild(t *testing.T, bin string, env []string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	c := &child{cmd: cmd, stdout: newLineWriter(), log: newLineWriter(), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = c.stdout, c.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-c.exited
		}
	})
	return c
}

// wait waits for the child to exit and returns its exit code.
func (c *child) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-c.exited:
	case <-time.After(5 * time.Minute):
		t.Fatalf("%s did not exit within 5 minutes\n%s", c.cmd.Args, c.log)
	}
	return c.cmd.ProcessState.ExitCode()
}

// listening waits for a serving child's address and returns its base URL.
func (c *child) listening(t *testing.T, scheme string) string {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case line := <-c.log.lines:
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				return scheme + "://" + m[1]
			}
		case <-c.exited:
			t.Fatalf("serve exited: %v\n%s", c.err, c.log)
		case <-timeout:
			t.Fatalf("serve did not listen within 2 minutes\n%s", c.log)
		}
	}
}

// largeImport writes a valid long CSV of n distinct rows over the default
// catalog's monthly indicators, going back from 2019-12 month by month.
func largeImport(t *testing.T, n int) string {
	t.Helper()
	cat := bizenv.DefaultCatalog()
	var b bytes.Buffer
	b.WriteString(header)
	p := bizenv.Period{Year: 2019, Month: 12}
	for written := 0; written < n; p = p.AddMonths(-1) {
		for _, ind := range cat.Indicators {
			if ind.Frequency == bizenv.Annual {
				continue
			}
			for _, ent := range cat.Entities {
				if written == n {
					break
				}
				v := strconv.Itoa(1 + written%97)
				if ind.Unit == bizenv.UnitRatio {
					v = fmt.Sprintf("0.%02d", written%100)
				}
				fmt.Fprintf(&b, "%s,%s,%s,%s,fault,row %d\n", p, ent.Code, ind.Code, v, written)
				written++
			}
		}
	}
	return writeFile(t, "large.csv", b.String())
}

func openDB(t *testing.T, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fingerprint sums up the stored history, for comparing two databases.
func fingerprint(t *testing.T, db *sqlx.DB) string {
	t.Helper()
	var fp string
	err := db.Get(&fp, `SELECT count(*) || ' ' || coalesce(md5(string_agg(
			format('%s|%s|%s|%s|%s|%s|%s|%s', indicator, entity, period, value, revision, source, note, current),
			E'\n' ORDER BY indicator, entity, period, revision)), '')
		FROM observation_history`)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func count(t *testing.T, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func mustVerify(t *testing.T, dsn string) {
	t.Helper()
	r := runBizenv(t, dsn, "verify")
	if got, want := r.stdout, "verify: the history's invariants hold\n"; r.err != nil || got != want {
		t.Errorf("verify: %v\ngot  %q\nwant %q", r.err, got, want)
	}
}

// TestFaultKillImport kills `bizenv import` with SIGKILL while it copies
// 200,000 rows into observations.
func TestFaultKillImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 200,000 rows")
	}
	const rows = 200_000
	bin := buildBizenv(t)
	file := largeImport(t, rows)
	dsn := pgtest.DSN(t)
	db := openDB(t, dsn)
	env := []string{"BIZENV_DATABASE_URL=" + dsn}

	c := startChild(t, bin, env, "import", "--actor=fault", file)
	start := time.Now()
	for count(t, db, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%COPY observations%'`) == 0 {
		select {
		case <-c.exited:
			t.Fatalf("the import ended before its COPY was seen: %v\n%s%s", c.err, c.stdout, c.log)
		default:
		}
		if time.Since(start) > 3*time.Minute {
			t.Fatalf("no COPY seen within 3 minutes\n%s", c.log)
		}
		time.Sleep(time.Millisecond)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	if ws := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the import was not killed: %v", c.cmd.ProcessState)
	}
	// The server sees the socket close and rolls the COPY back.
	for count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%COPY observations%'`) > 0 {
		time.Sleep(10 * time.Millisecond)
	}

	t.Run("nothing half-stored", func(t *testing.T) {
		for _, table := range []string{"observation_history", "payloads", "rejects"} {
			if n := count(t, db, "SELECT count(*) FROM "+table); n != 0 {
				t.Errorf("%s: %d row(s) stored, want none", table, n)
			}
		}
	})
	var killed int64
	t.Run("the run is left running and seen as dead", func(t *testing.T) {
		if err := db.Get(&killed, `SELECT id FROM runs WHERE outcome = 'running'`); err != nil {
			t.Fatalf("the killed run: %v", err)
		}
		r := runBizenv(t, dsn, "verify")
		want := fmt.Sprintf("warning: run %d (import import) was left running by a process that is gone\nverify: the history's invariants hold\n", killed)
		if got := r.stdout; r.err != nil || got != want {
			t.Errorf("verify: %v\ngot  %q\nwant %q", r.err, got, want)
		}
	})
	t.Run("a rerun completes and fails the killed run", func(t *testing.T) {
		c := startChild(t, bin, env, "import", "--actor=fault", file)
		if code := c.wait(t); code != 0 {
			t.Fatalf("rerun: exit %d\n%s", code, c.log)
		}
		if got, want := c.stdout.String(), fmt.Sprintf("import: %d inserted, 0 updated, 0 unchanged, 0 rejected: stored\n", rows); got != want {
			t.Errorf("stdout: got %q, want %q", got, want)
		}
		var outcome, msg string
		if err := db.QueryRow(`SELECT outcome, error FROM runs WHERE id = $1`, killed).Scan(&outcome, &msg); err != nil {
			t.Fatal(err)
		}
		if got, want := outcome+": "+msg, "failure: interrupted: the process stopped before the run finished"; got != want {
			t.Errorf("killed run: got %q, want %q", got, want)
		}
	})
	t.Run("the result equals a clean run", func(t *testing.T) {
		clean := pgtest.DSN(t)
		c := startChild(t, bin, []string{"BIZENV_DATABASE_URL=" + clean}, "import", "--actor=fault", file)
		if code := c.wait(t); code != 0 {
			t.Fatalf("clean import: exit %d\n%s", code, c.log)
		}
		got, want := fingerprint(t, db), fingerprint(t, openDB(t, clean))
		if got != want {
			t.Errorf("history after kill and rerun: %s, after a clean run: %s", got, want)
		}
		if !strings.HasPrefix(got, strconv.Itoa(rows)+" ") {
			t.Errorf("history: %s, want %d rows", got, rows)
		}
	})
	t.Run("verify passes", func(t *testing.T) { mustVerify(t, dsn) })
}

// clusterControl stops and starts the test cluster's server on its port,
// for an outage of a chosen length (pgcluster.Restart is too quick to be
// seen from outside).
type clusterControl struct {
	bin, dir string
	port     int
	cred     *syscall.Credential
}

func newClusterControl(t *testing.T, c *pgcluster.Cluster) *clusterControl {
	t.Helper()
	bin, err := pgcluster.FindBinaries()
	if err != nil {
		t.Fatal(err)
	}
	cc := &clusterControl{bin: bin, port: c.Port()}
	db := openDB(t, c.DSN("postgres"))
	if err := db.Get(&cc.dir, `SHOW data_directory`); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cc.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return cc
}

func (cc *clusterControl) pgctl(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(cc.bin, "pg_ctl"), args...)
	cmd.Dir = "/"
	if cc.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cc.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl %s: %v\n%s", args, err, out)
	}
}

func (cc *clusterControl) stop(t *testing.T) {
	cc.pgctl(t, "stop", "-w", "-m", "fast", "-D", cc.dir)
}

func (cc *clusterControl) start(t *testing.T) {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on", cc.port)
	cc.pgctl(t, "start", "-w", "-t", "60", "-D", cc.dir, "-l", cc.dir+".log", "-o", opts)
}

// getStatus GETs url and returns the status and body; a request that fails
// is a test failure.
func getStatus(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// waitStatus polls url until it answers want.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		code, body := getStatus(t, client, url)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: still %d after a minute, want %d: %s", url, code, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const faultToken = "fault-token-0123456789abcdef"

func postObservations(t *testing.T, base, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/observations", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+faultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("POST observations: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestFaultDatabaseRestart stops PostgreSQL under a running `bizenv serve`
// whose collector fires every second, and starts it again.
func TestFaultDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and stops the test cluster")
	}
	cluster := pgtest.Cluster(t)
	if cluster == nil {
		t.Skip("needs the private test cluster: BIZENV_TEST_DATABASE_URL is set")
	}
	cc := newClusterControl(t, cluster)
	bin := buildBizenv(t)
	dsn := pgtest.DSN(t)

	// The source can hold one request until released, so that a run is in
	// progress when the database goes away.
	var hold atomic.Bool
	held, release := make(chan struct{}, 1), make(chan struct{})
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hold.CompareAndSwap(true, false) {
			held <- struct{}{}
			<-release
		}
		fmt.Fprint(w, `[{"area": "wuhan-edz", "wbkt": 0.97}]`)
	}))
	defer source.Close()
	var released sync.Once
	defer released.Do(func() { close(release) })
	cfg := writeFile(t, "bizenv.yml", `collectors:
  - name: ywtb
    schedule: "@every 1s"
    http_json:
      url: "`+source.URL+`/stats?month={{.Period}}"
      timeout: 20s
      retries: 0
      entity: area
      values: {ywtb_online_enabled: wbkt}
`)
	c := startChild(t, bin, []string{"BIZENV_DATABASE_URL=" + dsn, "BIZENV_API_TOKENS=fault:" + faultToken},
		"serve", "--web.listen-address=127.0.0.1:0", "--config.file="+cfg)
	base := c.listening(t, "http")
	client := &http.Client{Timeout: 30 * time.Second}
	db := openDB(t, dsn)

	if code, body := postObservations(t, base, `[{"period":"2020-06","entity":"wuhan-edz","indicator":"city_assessment_rank","value":8}]`); code != http.StatusOK {
		t.Fatalf("write before the outage: %d %s", code, body)
	}
	waitStatus(t, base+"/readyz", http.StatusOK)
	before := time.Now()
	for count(t, db, `SELECT count(*) FROM runs WHERE kind = 'collector' AND outcome = 'success'`) == 0 {
		if time.Since(before) > time.Minute {
			t.Fatalf("the collector did not succeed within a minute\n%s", c.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, body := getStatus(t, client, base+"/metrics"); !strings.Contains(body, "\nbizenv_data_stale 0\n") {
		t.Fatalf("/metrics before the outage lacks bizenv_data_stale 0:\n%s", body)
	}
	db.Close()

	hold.Store(true)
	select {
	case <-held:
	case <-time.After(time.Minute):
		t.Fatalf("no collector run reached the source within a minute\n%s", c.log)
	}
	cc.stop(t)
	released.Do(func() { close(release) })
	restarted := false
	defer func() {
		if !restarted {
			cc.start(t)
		}
	}()
	t.Run("readyz goes not-ready", func(t *testing.T) { waitStatus(t, base+"/readyz", http.StatusServiceUnavailable) })
	t.Run("metrics answer from the last good state, marked stale", func(t *testing.T) {
		code, body := getStatus(t, client, base+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("status: got %d, want 200: %s", code, body)
		}
		for _, want := range []string{
			"\nbizenv_data_stale 1\n",
			`bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 8` + "\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
	t.Run("a write fails cleanly", func(t *testing.T) {
		code, body := postObservations(t, base, `[{"period":"2020-07","entity":"wuhan-edz","indicator":"city_assessment_rank","value":9}]`)
		if code < 500 {
			t.Errorf("write during the outage: got %d, want a 5xx: %s", code, body)
		}
		if strings.Contains(body, dsn) || strings.Contains(body, "127.0.0.1") {
			t.Errorf("the error shows the database's address: %s", body)
		}
	})
	time.Sleep(2 * time.Second) // let the collector fire into the outage
	cc.start(t)
	restarted = true
	outageEnd := time.Now()

	t.Run("readyz comes back", func(t *testing.T) { waitStatus(t, base+"/readyz", http.StatusOK) })
	t.Run("the next write succeeds", func(t *testing.T) {
		code, body := postObservations(t, base, `[{"period":"2020-07","entity":"wuhan-edz","indicator":"city_assessment_rank","value":9}]`)
		if code != http.StatusOK {
			t.Errorf("first write after the outage: got %d, want 200: %s", code, body)
		}
	})
	t.Run("metrics are fresh again", func(t *testing.T) {
		_, body := getStatus(t, client, base+"/metrics")
		for _, want := range []string{
			"\nbizenv_data_stale 0\n",
			`bizenv_indicator_value{entity="wuhan-edz",indicator="city_assessment_rank"} 9` + "\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}
	})
	db = openDB(t, dsn)
	t.Run("the run cut off by the outage is recorded as failed", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		for count(t, db, `SELECT count(*) FROM runs WHERE kind = 'collector' AND outcome = 'failure'
				AND error = 'interrupted: the process stopped before the run finished'`) != 1 {
			if time.Now().After(deadline) {
				t.Fatalf("the interrupted run was not failed within a minute\n%s", c.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	t.Run("the collector succeeds again", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		for count(t, db, `SELECT count(*) FROM runs WHERE kind = 'collector' AND outcome = 'success' AND started_at > $1`, outageEnd) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("no successful collector run within a minute of the outage\n%s", c.log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	// Stop serve, so no run is in progress, then check.
	c.cmd.Process.Signal(syscall.SIGTERM)
	if code := c.wait(t); code != 0 {
		t.Errorf("serve: exit %d\n%s", code, c.log)
	}
	t.Run("no run left running", func(t *testing.T) {
		r := runBizenv(t, dsn, "verify", "--repair")
		if r.err != nil || strings.Contains(r.stdout, "warning") {
			t.Errorf("verify --repair: %v\n%s", r.err, r.stdout)
		}
		var outcomes []string
		db.Select(&outcomes, `SELECT outcome || coalesce(': ' || nullif(error, ''), '') FROM runs WHERE outcome <> 'success' ORDER BY id`)
		t.Logf("runs other than successes: %q", outcomes)
		if n := count(t, db, `SELECT count(*) FROM runs WHERE outcome = 'running'`); n != 0 {
			t.Errorf("%d run(s) left running", n)
		}
	})
	t.Run("verify passes", func(t *testing.T) { mustVerify(t, dsn) })
}
