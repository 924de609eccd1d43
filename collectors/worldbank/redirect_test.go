package worldbank_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/worldbank"
	"github.com/bizenv/bizenv/ingest"
)

// The bank's base URL answering with a redirect to another host (another
// port counts) is refused: nothing is fetched from that host.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	var asked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Write([]byte(`[{"page":1,"pages":1,"per_page":1000,"total":0},[]]`))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer origin.Close()
	s := source(t, origin.URL+"/v2", "{IC.REG.DURS: wb_bizstart_days}")
	_, err := s.FetchRange(context.Background(), worldbank.Range{From: 2019, To: 2020}, ingest.NewValidator(catalog(bizenv.Annual), now))
	if n := asked.Load(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
	want := "redirect to another host (" + strings.TrimPrefix(other.URL, "http://") + ") refused"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want it to say %q", err, want)
	}
}
