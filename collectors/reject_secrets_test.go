package collectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bizenv/bizenv/collectors"
)

// A platform that echoes the collector's token in a value: the reject's
// record and reasons, English and Chinese, are stored without it.
func TestRejectReasonsScrubbed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `[{"area": "wuhan-edz", "wbkt": "%s"}]`, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	db, _ := newDB(t)
	logger, _ := newLogger()
	cfg := parse(t, fmt.Sprintf(`
collectors:
  - name: src
    schedule: "0 8 2 * *"
    http_json:
      url: "%s/stats?month={{.Period}}"
      headers: {Authorization: "Bearer ${TOKEN}"}
      entity: area
      values: {ywtb_online_enabled: wbkt}
`, srv.URL))
	r := collectors.NewRunner(db, cfg, logger, atNow)
	results, err := r.Run(context.Background(), "src", collectors.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if got := results[0].Run.Rejected; got != 1 {
		t.Fatalf("rejected: got %d, want 1", got)
	}
	if got := count(t, db, "SELECT count(*) FROM rejects WHERE reason_zh LIKE '%不是数字%' AND code = 'not_a_number'"); got != 1 {
		t.Errorf("rejects with the Chinese reason and code: got %d, want 1", got)
	}
	if got := count(t, db, "SELECT count(*) FROM rejects WHERE strpos(record || reason || reason_zh, $1) > 0", token); got != 0 {
		t.Errorf("rejects holding the token: got %d, want 0", got)
	}
}
