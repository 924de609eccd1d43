package collectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestClockPeriod runs a collector at instants around month ends, in the
// default time zone (Asia/Shanghai, UTC+8) and in UTC: it asks the source
// for, and stores at, the last month closed in the configured zone.
func TestClockPeriod(t *testing.T) {
	for _, tc := range []struct {
		name     string
		timezone string
		now      string
		want     string
	}{
		{"Shanghai: 2021-09-30T16:30Z is already October", "Asia/Shanghai", "2021-09-30T16:30:00Z", "2021-09"},
		{"Shanghai: 2021-10-31T15:59Z is still October", "Asia/Shanghai", "2021-10-31T15:59:59Z", "2021-09"},
		{"Shanghai: 2021-10-31T16:00Z is November", "Asia/Shanghai", "2021-10-31T16:00:00Z", "2021-10"},
		{"Shanghai: new year", "Asia/Shanghai", "2021-12-31T16:00:00Z", "2021-12"},
		{"UTC: 2021-09-30T16:30Z is still September", "UTC", "2021-09-30T16:30:00Z", "2021-08"},
		{"UTC: 2021-10-31T23:59Z is still October", "UTC", "2021-10-31T23:59:59Z", "2021-09"},
		{"UTC: 2021-11-01T00:00Z is November", "UTC", "2021-11-01T00:00:00Z", "2021-10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			loc, err := time.LoadLocation(tc.timezone)
			if err != nil {
				t.Fatal(err)
			}
			if got := bizenv.LastClosed(now, loc).String(); got != tc.want {
				t.Errorf("LastClosed: got %s, want %s", got, tc.want)
			}

			var mu sync.Mutex
			var asked []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				asked = append(asked, r.URL.Query().Get("month"))
				mu.Unlock()
				fmt.Fprint(w, `[{"area": "wuhan-edz", "wbkt": 0.97}]`)
			}))
			defer srv.Close()
			db, _ := newDB(t)
			cfg := parse(t, fmt.Sprintf("timezone: %s\n", tc.timezone)+fmt.Sprintf(faultSourceConfig, srv.URL))
			r := collectors.NewRunner(db, cfg, discard, collectors.Options{Now: func() time.Time { return now }})
			if _, err := r.Run(context.Background(), "src", collectors.Request{}); err != nil {
				t.Fatal(err)
			}
			if len(asked) != 1 || asked[0] != tc.want {
				t.Errorf("asked the source for %q, want [%s]", asked, tc.want)
			}
			var stored []string
			if err := pgtest.SQL(t, db).Select(&stored, `SELECT to_char(period, 'YYYY-MM') FROM observations`); err != nil {
				t.Fatal(err)
			}
			if len(stored) != 1 || stored[0] != tc.want {
				t.Errorf("stored periods %q, want [%s]", stored, tc.want)
			}
		})
	}
}
