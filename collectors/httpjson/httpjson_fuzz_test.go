package httpjson_test

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/ingest"
)

// FuzzJSONMapping serves arbitrary bodies to the JSON mapping of the
// ywtb example (records, period, entity map, values): it must never panic,
// and what it maps must be stored-ready: catalog codes, finite values in
// the indicator's range, a reason for every reject. Seeds are the fixture
// files, the inline ones below and testdata/fuzz/FuzzJSONMapping.
func FuzzJSONMapping(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		`{"data":{"items":[{"month":"2021-09","areaCode":"420114","wbkt":"66.67%","yctb":1.5}]}}`,
		`{"data":{"items":[{"month":"2021年9月","areaCode":420114,"wbkt":1e999,"yctb":null}]}}`,
		`{"data":{"items":{"month":"2021-09"}}}`,
		`{"data":{"items":[[],{},"x",1,{"areaCode":{"a":1},"wbkt":[0.5]}]}}`,
		`{"data":null}`,
	} {
		f.Add([]byte(s))
	}
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write(body)
	}))
	f.Cleanup(srv.Close)
	cat := bizenv.DefaultCatalog()
	period := bizenv.Period{Year: 2021, Month: 9}
	f.Fuzz(func(t *testing.T, data []byte) {
		mu.Lock()
		body = data
		mu.Unlock()
		src := source(t, srv.URL, "")
		v := ingest.NewValidator(cat, time.Date(2021, 10, 15, 0, 0, 0, 0, time.UTC))
		b, err := src.Fetch(context.Background(), kind.Job{Periods: []bizenv.Period{period}, Validator: v})
		if err != nil {
			if len(b.Observations)+len(b.Rejects) > 0 {
				t.Fatalf("an error (%v) with a batch", err)
			}
			return
		}
		for _, o := range b.Observations {
			ind, ok := cat.Indicator(o.Indicator)
			if _, eok := cat.Entity(o.Entity); !ok || !eok {
				t.Fatalf("observation with codes outside the catalog: %+v", o)
			}
			if math.IsNaN(o.Value) || math.IsInf(o.Value, 0) || (ind.Unit == bizenv.UnitRatio && (o.Value < 0 || o.Value > 1)) {
				t.Fatalf("observation with value %v for %s", o.Value, ind.Unit)
			}
		}
		for _, r := range b.Rejects {
			if r.Reason == "" {
				t.Fatalf("reject without a reason: %+v", r)
			}
		}
	})
}
