package tabular_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/tabular"
	"github.com/bizenv/bizenv/ingest"
)

// A file URL that redirects to another host (another port counts) is
// refused before the headers reach that host.
func TestURLRedirectToAnotherHostRefused(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(fmt.Sprint(r.Header), "s3cret") {
			leaked.Add(1)
		}
		w.Write([]byte("period,entity,indicator,value\n"))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/long.csv", http.StatusFound)
	}))
	defer origin.Close()
	col := parseConfig(t, fmt.Sprintf(`
collectors:
  - name: notice-url
    schedule: "0 9 * * *"
    tabular:
      url: %s/long.csv
      headers: {X-Api-Key: "${TOKEN}"}
      layout: long
`, origin.URL))
	cat := bizenv.DefaultCatalog()
	src := tabular.New(col, kind.Deps{Backoff: time.Millisecond})
	_, err := src.Fetch(context.Background(), kind.Job{Catalog: cat, Validator: ingest.NewValidator(cat, now), Stored: neverStored})
	if n := leaked.Load(); n != 0 {
		t.Errorf("the other host was sent the key %d times", n)
	}
	want := "GET " + origin.URL + "/long.csv: redirect to another host (" + strings.TrimPrefix(other.URL, "http://") + ") refused"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got error %v, want it to start %q", err, want)
	}
}
