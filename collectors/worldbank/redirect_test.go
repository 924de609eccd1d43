package worldbank_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch/fetchtest"
	"github.com/bizenv/bizenv/collectors/worldbank"
	"github.com/bizenv/bizenv/ingest"
)

// The bank's base URL answering with a redirect to another host (another
// port counts) is refused: nothing is fetched from that host.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	other := fetchtest.NewElsewhere(t, `[{"page":1,"pages":1,"per_page":1000,"total":0},[]]`)
	origin := fetchtest.Redirect(t, http.StatusMovedPermanently, other.URL)
	s := source(t, origin.URL+"/v2", "{IC.REG.DURS: wb_bizstart_days}")
	_, err := s.FetchRange(context.Background(), worldbank.Range{From: 2019, To: 2020}, ingest.NewValidator(catalog(bizenv.Annual), now))
	if n := other.Asked(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
	want := "redirect to another host (" + other.Host() + ") refused"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got error %v, want it to say %q", err, want)
	}
}
