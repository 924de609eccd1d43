package tabular_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/collectors/internal/fetch/fetchtest"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/tabular"
)

// A file URL that redirects to another host (another port counts) is
// refused before the headers reach that host.
func TestURLRedirectToAnotherHostRefused(t *testing.T) {
	other := fetchtest.NewElsewhere(t, "period,entity,indicator,value\n")
	origin := fetchtest.Redirect(t, http.StatusFound, other.URL)
	col := tabularSource(t, fmt.Sprintf(`
      url: %s/long.csv
      headers: {X-Api-Key: "${TOKEN}"}
      layout: long
`, origin.URL))
	src := tabular.New(col, kind.Deps{Backoff: time.Millisecond})
	_, err := src.Fetch(context.Background(), job(neverStored))
	if n := other.Asked(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
	want := "GET " + origin.URL + "/long.csv: redirect to another host (" + other.Host() + ") refused"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got error %v, want it to start %q", err, want)
	}
}
