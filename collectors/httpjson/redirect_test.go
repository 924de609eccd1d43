package httpjson_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/httpjson"
	"github.com/bizenv/bizenv/collectors/internal/fetch/fetchtest"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// A redirect to another host (another port counts) is refused, on the
// first page and on a next-page link that stays on the configured host
// but answers 302, so the API key never reaches the other server.
func TestRedirectToAnotherHostRefused(t *testing.T) {
	const key = "k3y-0f-the-bureau"
	other := fetchtest.NewElsewhere(t, `{"data":{"items":[]}}`)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/first":
			http.Redirect(w, r, other.URL+"/api", http.StatusFound)
		case "/paged":
			if r.URL.Query().Get("cursor") == "" {
				w.Write([]byte(`{"data":{"items":[]},"links":{"next":"/paged/bounce?cursor=2"}}`))
				return
			}
		case "/paged/bounce":
			http.Redirect(w, r, other.URL+"/api?cursor=2", http.StatusTemporaryRedirect)
		}
	}))
	defer origin.Close()
	host := other.Host()

	for _, tc := range []struct{ name, path, pagination, want string }{
		{"first page", "/first", "", "GET " + origin.URL + "/first?month=2021-09: redirect to another host (" + host + ") refused"},
		{"next page", "/paged", "      pagination: {next: links.next}\n", "GET " + origin.URL + "/paged/bounce?cursor=xxxxx: redirect to another host (" + host + ") refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other.Reset()
			c, err := config.Parse("t.yml", []byte(fmt.Sprintf(`
collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json:
      url: "%s%s?month={{.Period}}"
      headers: {X-Api-Key: "${KEY}"}
      timeout: 2s
      records: data.items
      period: month
      entity: areaCode
      values: {ywtb_online_enabled: wbkt}
%s`, origin.URL, tc.path, tc.pagination)), func(string) string { return key })
			if err != nil {
				t.Fatal(err)
			}
			s := httpjson.New(c.Sources[0], kind.Deps{Backoff: time.Millisecond})
			_, err = s.Fetch(context.Background(), kind.Job{Periods: []bizenv.Period{bizenv.NewPeriod(2021, 9)}, Validator: ingest.NewValidator(bizenv.DefaultCatalog(), now)})
			if n := other.Asked(); n != 0 {
				t.Errorf("the other host was asked %d times", n)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got error %v, want it to start %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("error %q has the key", err)
			}
		})
	}
}
