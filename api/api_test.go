package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) {
	// The report's HTML and CSV are checked for their media type only.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	pgtest.Main(m)
}

const (
	analystToken = "analyst-0123456789abcdef"
	scriptToken  = "script-0123456789abcdef0"
)

// env is one API on a fresh database, with a client that checks every
// request and response against the OpenAPI document.
type env struct {
	t      *testing.T
	db     *postgres.DB
	srv    *httptest.Server
	router routers.Router
	tokens string // the tokens file
}

type option func(*api.Config)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	db := pgtest.New(t)
	tokensFile := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokensFile, []byte("# name token\nscript "+scriptToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{
		Store:  db,
		Tokens: api.NewTokens([]api.Token{{Name: "analyst", Secret: analystToken}}, tokensFile, nil),
		Now:    func() time.Time { return time.Date(2022, 2, 14, 9, 0, 0, 0, time.UTC) },
		// What serve passes without a report section.
		ReportEntity: "wuhan-edz",
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(api.NewServer(cfg))
	t.Cleanup(srv.Close)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: srv.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, db: db, srv: srv, router: router, tokens: tokensFile}
}

// do sends req and checks it and its response against the OpenAPI
// document; it returns the status and body.
func (e *env) do(req *http.Request) (int, []byte) {
	e.t.Helper()
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		e.t.Fatalf("%s %s: no route in openapi.yaml: %v", req.Method, req.URL, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	// A request the document says is invalid must be refused by the server.
	if reqErr != nil && resp.StatusCode < 400 {
		e.t.Errorf("%s %s: request violates openapi.yaml (%v) but got %d", req.Method, req.URL, reqErr, resp.StatusCode)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(got)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		e.t.Errorf("%s %s: response %d violates openapi.yaml: %v\n%s", req.Method, req.URL, resp.StatusCode, err, got)
	}
	return resp.StatusCode, got
}

func (e *env) get(path string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

func (e *env) post(path, token, contentType string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

func (e *env) postJSON(path, token string, v any) (int, []byte) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.post(path, token, "application/json", b)
}

// wantError checks an error answer: its status, its code and that it has
// a message in English and in Chinese.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var b struct {
		Error struct {
			Code, Message string
			MessageZH     string `json:"message_zh"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if status != wantStatus || b.Error.Code != wantCode || b.Error.Message == "" || b.Error.MessageZH == "" {
		t.Errorf("got %d %q (%s | %s), want %d %q with both messages", status, b.Error.Code, b.Error.Message, b.Error.MessageZH, wantStatus, wantCode)
	}
}

// series is the answer of /api/v1/series.
type series struct {
	Indicator, Entity string
	Data              []struct {
		Period, Source, Note string
		Value                float64
	}
}

// refusal is a query an endpoint refuses, with the status and error code
// of its answer.
type refusal struct {
	name, query string
	status      int
	code        string
}

// wantRefusals asks path followed by each refusal's query, in a subtest of
// its name, and checks the error answer.
func (e *env) wantRefusals(t *testing.T, path string, refusals []refusal) {
	t.Helper()
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			status, body := e.get(path + r.query)
			wantError(t, status, body, r.status, r.code)
		})
	}
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return v
}

type obs map[string]any

// seed writes observations through the API.
func (e *env) seed(records ...obs) {
	e.t.Helper()
	status, body := e.postJSON("/api/v1/observations", analystToken, records)
	if status != http.StatusOK {
		e.t.Fatalf("seed: %d %s", status, body)
	}
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := pgtest.SQL(e.t, e.db).Get(&n, query, args...); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func multipartBody(t *testing.T, files map[string]string, fields map[string]string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}
