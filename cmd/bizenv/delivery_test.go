package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestServeDeliversReportOnSchedule runs serve with a report section: the
// schedule fires and the report of the last closed month reaches the
// configured robot.
func TestServeDeliversReportOnSchedule(t *testing.T) {
	dsn := pgtest.DSN(t)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	last := bizenv.LastClosed(time.Now(), shanghai)
	data := writeFile(t, "last.csv", header+last.String()+",wuhan-edz,city_assessment_rank,5,notice,\n")
	if r := runBizenv(t, dsn, "import", data); r.code() != exitOK {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	var hits atomic.Int32
	sent := make(chan struct{}, 1)
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("key") == "robot-key" && hits.Add(1) == 1 {
			sent <- struct{}{}
		}
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	cfg := writeFile(t, "bizenv.yml", fmt.Sprintf(`report:
  schedule: "@every 1s"
  channels:
    - name: managers
      wecom: {webhook_url: "%s/send?key=robot-key"}
`, robot.URL))
	_, logs := startServeEnv(t, map[string]string{"BIZENV_DATABASE_URL": dsn}, "--config.file", cfg)
	select {
	case <-sent:
	case <-time.After(time.Minute):
		t.Fatalf("no report reached the robot within a minute; log:\n%s", logs)
	}
}
