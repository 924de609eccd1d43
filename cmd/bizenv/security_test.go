package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// sqlArg gives, for each database method, the index of its SQL argument.
var sqlArg = map[string]int{
	"Exec": 0, "Query": 0, "QueryRow": 0, "Queryx": 0, "QueryRowx": 0, "MustExec": 0, "Prepare": 0, "Preparex": 0,
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "QueryxContext": 1, "QueryRowxContext": 1,
	"MustExecContext": 1, "PrepareContext": 1, "PreparexContext": 1,
	"Get": 1, "Select": 1, "GetContext": 2, "SelectContext": 2,
}

// builtSQLAllowed lists the places that build SQL from strings, and why
// each is safe: identifiers cannot be placeholders.
var builtSQLAllowed = map[string]string{
	// CREATE DATABASE with the constant name "bizenv" of the private cluster.
	"cmd/bizenv/common.go:CREATE DATABASE": "constant database name",
	// Test databases with generated names (pid and a counter).
	"postgres/pgtest/pgtest.go:CREATE DATABASE": "generated test database name",
	"postgres/pgtest/pgtest.go:DROP DATABASE":   "generated test database name",
	// The benchmark's databases, named bench_N.
	"internal/benchcmp/main.go:CREATE DATABASE": "generated benchmark database name",
	"internal/benchcmp/main.go:DROP DATABASE":   "generated benchmark database name",
	// SET LOCAL takes no placeholder; the value is an integer formatted
	// from a parsed duration.
	"collectors/sqlsource/sqlsource.go:SET LOCAL statement_timeout": "integer milliseconds",
}

// TestSQLOnlyThroughPlaceholders parses every Go file of the module and
// fails on a database call whose SQL is built with + or fmt.Sprintf.
func TestSQLOnlyThroughPlaceholders(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			i, ok := sqlArg[sel.Sel.Name]
			if !ok || i >= len(call.Args) || !builtString(call.Args[i]) {
				return true
			}
			for key := range builtSQLAllowed {
				file, prefix, _ := strings.Cut(key, ":")
				if rel == file && strings.Contains(firstLiteral(call.Args[i]), prefix) {
					return true
				}
			}
			t.Errorf("%s: %s builds its SQL from strings; use placeholders ($1) or a named query", fset.Position(call.Pos()), sel.Sel.Name)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is the walk rooted at the module?", checked)
	}
}

// builtString reports whether e concatenates strings or calls
// fmt.Sprintf (or a sibling).
func builtString(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return builtString(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return false
		}
		_, l := e.X.(*ast.BasicLit)
		_, r := e.Y.(*ast.BasicLit)
		return !(l && r) || builtString(e.X) || builtString(e.Y)
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Sprint") {
				return true
			}
		}
	}
	return false
}

// firstLiteral returns the first string literal in e.
func firstLiteral(e ast.Expr) string {
	var s string
	ast.Inspect(e, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && s == "" {
			s = lit.Value
		}
		return s == ""
	})
	return s
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var user string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && strings.EqualFold(f[0], "FROM") {
			user = "" // each stage starts as root
		}
		if len(f) >= 2 && strings.EqualFold(f[0], "USER") {
			user = f[1]
		}
	}
	name, _, _ := strings.Cut(user, ":")
	switch name {
	case "", "root", "0":
		t.Errorf("the final stage runs as %q; want a non-root USER", user)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "bizenv test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestWebConfigTLSAndBasicAuth serves with --web.config.file: TLS with a
// self-signed certificate and a bcrypt-hashed basic-auth user, on /metrics,
// the API and the health checks.
func TestWebConfigTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("pr0metheus-pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := writeFile(t, "web.yml", fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n", certFile, keyFile, hash))
	base, _ := startServe(t, pgtest.DSN(t), "--web.config.file="+webConfig)
	base = strings.Replace(base, "http://", "https://", 1)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	t.Run("plain HTTP is refused", func(t *testing.T) {
		resp, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/metrics")
		if err == nil {
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("plain HTTP: got %d, want 400 (an HTTP request to an HTTPS server)", resp.StatusCode)
			}
		}
	})
	for _, path := range []string{"/metrics", "/api/v1/indicators", "/readyz"} {
		for _, tc := range []struct {
			name       string
			user, pass string
			want       int
		}{
			{"no auth", "", "", http.StatusUnauthorized},
			{"wrong password", "prometheus", "guess", http.StatusUnauthorized},
			{"unknown user", "grafana", "pr0metheus-pw", http.StatusUnauthorized},
			{"right password", "prometheus", "pr0metheus-pw", http.StatusOK},
		} {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodGet, base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tc.user != "" {
					req.SetBasicAuth(tc.user, tc.pass)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.StatusCode; got != tc.want {
					t.Errorf("got %d, want %d", got, tc.want)
				}
			})
		}
	}
}

// TestSecretsNotExposed runs serve and collect with known secret values in
// the environment and the configuration, against sources that fail, and
// scans everything they showed: logs, output, /metrics, the API's answers
// and the runs recorded.
func TestSecretsNotExposed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	secrets := map[string]string{
		"database password": "dbpw-S3cret-7731",
		"API token":         "apitoken-S3cret-0123456789",
		"header token":      "hdr-S3cret-4242",
		"URL key":           "key-S3cret-9999",
		"SQL password":      "sqlpw-S3cret-5150",
	}
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream broke", http.StatusBadGateway)
	}))
	defer source.Close()
	cfg := writeFile(t, "bizenv.yml", `collectors:
  - name: ywtb
    schedule: "@every 1s"
    http_json:
      url: "`+source.URL+`/stats?month={{.Period}}&key=${YWTB_KEY}"
      headers: {Authorization: "Bearer ${YWTB_TOKEN}"}
      timeout: 2s
      retries: 0
      entity: area
      values: {ywtb_online_enabled: wbkt}
  - name: credit
    schedule: "@every 1s"
    sql:
      dsn: ${CREDIT_DSN}
      timeout: 2s
      query: SELECT period, entity, indicator, value FROM credit_monthly
`)
	// The test cluster trusts local connections, so the password in the
	// DSN is sent and ignored.
	dsn := strings.Replace(pgtest.DSN(t), "://bizenv@", "://bizenv:"+secrets["database password"]+"@", 1)
	env := []string{
		"BIZENV_DATABASE_URL=" + dsn,
		"BIZENV_API_TOKENS=ops:" + secrets["API token"],
		"YWTB_TOKEN=" + secrets["header token"],
		"YWTB_KEY=" + secrets["URL key"],
		"CREDIT_DSN=postgres://reader:" + secrets["SQL password"] + "@127.0.0.1:1/credit?sslmode=disable&connect_timeout=1",
	}
	bin := buildBizenv(t)
	seen := map[string]string{}

	c := startChild(t, bin, env, "serve", "--web.listen-address=127.0.0.1:0", "--config.file="+cfg, "--log.level=debug")
	base := c.listening(t, "http")
	db := openDB(t, strings.Replace(dsn, secrets["database password"], "", 1))
	deadline := time.Now().Add(time.Minute)
	for count(t, db, `SELECT count(DISTINCT name) FROM runs WHERE outcome = 'failure'`) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the collectors did not fail within a minute\n%s", c.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, path := range []string{"/metrics", "/api/v1/collectors", "/api/v1/collectors/ywtb/runs", "/api/v1/collectors/credit/runs", "/api/v1/rejects", "/readyz"} {
		code, body := getStatus(t, client, base+path)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
		seen["GET "+path] = body
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/observations", strings.NewReader("[]"))
	req.Header.Set("Authorization", "Bearer "+secrets["API token"]+"x")
	if resp, err := client.Do(req); err == nil {
		var b strings.Builder
		fmt.Fprint(&b, resp.StatusCode)
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		resp.Body.Close()
		seen["POST with a wrong token"] = b.String()
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	c.wait(t)
	seen["serve log"] = c.log.String()

	col := startChild(t, bin, env, "collect", "--config.file="+cfg, "--log.level=debug")
	col.wait(t)
	seen["collect output"] = col.stdout.String()
	seen["collect log"] = col.log.String()

	var errs []string
	if err := db.Select(&errs, `SELECT error FROM runs`); err != nil {
		t.Fatal(err)
	}
	seen["runs.error"] = strings.Join(errs, "\n")
	var payloads []string
	if err := db.Select(&payloads, `SELECT name || convert_from(content, 'UTF8') FROM payloads`); err != nil {
		t.Fatal(err)
	}
	seen["payloads"] = strings.Join(payloads, "\n")

	for _, want := range []string{"502 Bad Gateway", "connect"} {
		if !strings.Contains(seen["runs.error"], want) {
			t.Errorf("runs.error lacks %q, so the failures were not what this test means to scan:\n%s", want, seen["runs.error"])
		}
	}
	for where, text := range seen {
		for what, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the %s shows in %s:\n%s", what, where, text)
			}
		}
	}
}
