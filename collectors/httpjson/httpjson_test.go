package httpjson_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/httpjson"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

const token = "s3cret-token"

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// serveFile answers with a testdata file.
func serveFile(t *testing.T, name string) http.HandlerFunc {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

func source(t *testing.T, srvURL, extra string) *httpjson.Source {
	t.Helper()
	yml := fmt.Sprintf(`
collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json:
      url: "%s/api/stats?month={{.Period}}"
      headers: {Authorization: "Bearer ${YWTB_TOKEN}"}
      timeout: 2s
      records: data.items
      period: month
      entity: areaCode
      entity_map: {"420114": wuhan-edz, "420102": wuhan-jiangan, "420103": wuhan-jianghan, "420104": wuhan-qiaokou}
      values: {ywtb_online_enabled: wbkt, ywtb_one_window: yctb}
%s`, srvURL, extra)
	if strings.Contains(extra, "timeout:") {
		yml = strings.Replace(yml, "      timeout: 2s\n", "", 1)
	}
	c, err := config.Parse("test.yml", []byte(yml), func(k string) string { return map[string]string{"YWTB_TOKEN": token}[k] })
	if err != nil {
		t.Fatal(err)
	}
	return httpjson.New(c.Sources[0], kind.Deps{Backoff: time.Millisecond})
}

func fetch(s *httpjson.Source) (bizenv.Batch, error) {
	v := ingest.NewValidator(bizenv.DefaultCatalog(), now)
	return s.Fetch(context.Background(), kind.Job{Periods: []bizenv.Period{bizenv.NewPeriod(2021, 9)}, Validator: v})
}

func summary(b bizenv.Batch) (obs, rejects string) {
	var o, r []string
	for _, x := range b.Observations {
		o = append(o, fmt.Sprintf("%s %s %s %v", x.Period, x.Entity, x.Indicator, x.Value))
	}
	for _, x := range b.Rejects {
		r = append(r, fmt.Sprintf("record %d: %s", x.Line, x.Reason))
	}
	return strings.Join(o, "\n"), strings.Join(r, "\n")
}

func TestPagesFollowedByNextLink(t *testing.T) {
	var auth atomic.Value
	mux := http.NewServeMux()
	page1, page2 := serveFile(t, "ywtb-page1.json"), serveFile(t, "ywtb-page2.json")
	mux.HandleFunc("GET /api/stats", func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		switch {
		case r.URL.Query().Get("month") != "2021-09":
			http.Error(w, "bad month", http.StatusBadRequest)
		case r.URL.Query().Get("cursor") == "2":
			page2(w, r)
		default:
			page1(w, r)
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b, err := fetch(source(t, srv.URL, `      pagination: {next: links.next}`))
	if err != nil {
		t.Fatal(err)
	}
	gotObs, gotRejects := summary(b)
	t.Run("observations", func(t *testing.T) {
		want := strings.Join([]string{
			"2021-09 wuhan-edz ywtb_one_window 0.8765",
			"2021-09 wuhan-edz ywtb_online_enabled 0.9912",
			"2021-09 wuhan-jiangan ywtb_online_enabled 0.985",
			"2021-09 wuhan-jianghan ywtb_online_enabled 1",
		}, "\n")
		if gotObs != want {
			t.Errorf("got\n%s\nwant\n%s", gotObs, want)
		}
	})
	t.Run("rejects", func(t *testing.T) {
		want := strings.Join([]string{
			`record 4: unknown entity "429999"`,
			`record 4: unknown entity "429999"`,
			`record 5: value "85万元" for ratio indicator ywtb_one_window: suffix 万元 does not fit unit ratio`,
			`record 5: value "120%" for ratio indicator ywtb_online_enabled: 1.2 is outside [0,1]`,
		}, "\n")
		if gotRejects != want {
			t.Errorf("got\n%s\nwant\n%s", gotRejects, want)
		}
	})
	t.Run("payloads", func(t *testing.T) {
		if got, want := len(b.Payloads), 2; got != want {
			t.Fatalf("got %d payloads, want %d", got, want)
		}
		if got, want := b.Payloads[1].Name, srvURL(srv)+"/api/stats?cursor=xxxxx&month=2021-09"; got != want {
			t.Errorf("payload name: got %q, want %q", got, want)
		}
	})
	t.Run("header sent", func(t *testing.T) {
		if got, want := auth.Load(), "Bearer "+token; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func srvURL(s *httptest.Server) string { return s.URL }

func TestPagesByParameter(t *testing.T) {
	var hits atomic.Int32
	page1, page2 := serveFile(t, "paged-1.json"), serveFile(t, "paged-2.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Query().Get("p") {
		case "1":
			page1(w, r)
		case "2":
			page2(w, r)
		default:
			http.Error(w, "no such page", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c, err := config.Parse("t.yml", []byte(fmt.Sprintf(`
collectors:
  - name: claims
    schedule: "@daily"
    http_json:
      url: "%s/claims?ym={{.YYYYMM}}"
      records: rows
      period: period
      entity: entity
      values: {item_claim_rate: claims}
      pagination: {param: p, pages: total_pages}
`, srv.URL)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	b, err := fetch(httpjson.New(c.Sources[0], kind.Deps{}))
	if err != nil {
		t.Fatal(err)
	}
	gotObs, _ := summary(b)
	if want := "2021-09 wuhan-edz item_claim_rate 0.965\n2021-09 wuhan-jiangan item_claim_rate 0.95"; gotObs != want {
		t.Errorf("got\n%s\nwant\n%s", gotObs, want)
	}
	if got, want := hits.Load(), int32(2); got != want {
		t.Errorf("got %d requests, want %d (the page count says 2)", got, want)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int   // of the failing answers
		fails  int32 // how many requests fail before the page is served
		extra  string
		want   string // the error, %s the server's URL; "" for the page's 4 observations
		hits   int32
	}{
		{"500s then success", http.StatusBadGateway, 2, "", "", 3},
		{"500s until the retries are spent", http.StatusInternalServerError, 3, "      retries: 2",
			"GET %s/api/stats?month=2021-09: 500 Internal Server Error (gave up after 3 attempts)", 3},
		{"4xx not retried", http.StatusUnauthorized, 1, "", "GET %s/api/stats?month=2021-09: 401 Unauthorized", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			page := serveFile(t, "ywtb-page1.json")
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) <= tc.fails {
					http.Error(w, "token "+r.Header.Get("Authorization")+" refused", tc.status)
					return
				}
				page(w, r)
			}))
			defer srv.Close()
			b, err := fetch(source(t, srv.URL, tc.extra))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, want := len(b.Observations), 4; got != want {
					t.Errorf("got %d observations, want %d", got, want)
				}
			} else if want := fmt.Sprintf(tc.want, srv.URL); err == nil || err.Error() != want {
				t.Errorf("got %v, want %s", err, want)
			}
			if got := hits.Load(); got != tc.hits {
				t.Errorf("got %d requests, want %d", got, tc.hits)
			}
		})
	}
}

func TestBadAnswers(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	mux := http.NewServeMux()
	mux.Handle("/html/api/stats", serveFile(t, "login.html"))
	mux.Handle("/truncated/api/stats", serveFile(t, "truncated.json"))
	mux.HandleFunc("/slow/api/stats", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/huge/api/stats", func(w http.ResponseWriter, r *http.Request) {
		// 33 MiB, without a Content-Length: the limit holds while reading.
		w.Write([]byte(`{"data": {"items": [], "pad": "`))
		io.CopyN(w, zeros{}, 33<<20)
		w.Write([]byte(`"}}`))
	})
	mux.HandleFunc("/nodata/api/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"code": 500, "message": "系统繁忙"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct {
		name, path, extra, want string
	}{
		{"html", "/html", "", "GET %s/html/api/stats?month=2021-09: an HTML page, want JSON"},
		{"truncated json", "/truncated", "", `GET %s/truncated/api/stats?month=2021-09: not valid JSON (87 bytes; truncated or malformed; starts "{\"code\": 0, \"data\": {\"items\": [{\"month\":")`},
		{"timeout", "/slow", "      timeout: 50ms\n      retries: 1", "GET %s/slow/api/stats?month=2021-09: timed out after 50ms (gave up after 2 attempts)"},
		{"oversized", "/huge", "", "GET %s/huge/api/stats?month=2021-09: body larger than the limit of 33554432 bytes"},
		{"no records", "/nodata", "", `GET %s/nodata/api/stats?month=2021-09: no "data.items" in the answer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fetch(source(t, srv.URL+tc.path, tc.extra))
			want := fmt.Sprintf(tc.want, srv.URL)
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("error %q has the token", err)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
