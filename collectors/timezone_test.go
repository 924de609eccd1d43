package collectors_test

import (
	"context"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
)

// TestCurrentMonthInConfiguredZone: a record of the month that has begun
// in the configured time zone is taken, one of a month that has not begun
// there is in the future, whatever zone the host's clock is in.
func TestCurrentMonthInConfiguredZone(t *testing.T) {
	dir := folderWith(t, "ranks.csv", []byte("period,entity,indicator,value\n2021-10,wuhan-edz,city_assessment_rank,4\n"))
	// 1 October 01:00 in Shanghai, still 30 September in UTC.
	clock := func() time.Time { return time.Date(2021, 9, 30, 17, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		zone string
		want bizenv.Counts
	}{
		{"Asia/Shanghai", bizenv.Counts{Inserted: 1}},
		{"UTC", bizenv.Counts{Rejected: 1}},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			db, _ := newDB(t)
			logger, _ := newLogger()
			cfg := parse(t, "timezone: "+tc.zone+"\ncollectors:\n  - name: drop\n    schedule: \"0 9 * * *\"\n    tabular: {path: "+dir+"/*.csv, layout: long}\n")
			r := collectors.NewRunner(db, cfg, logger, collectors.Options{Now: clock})
			res, err := r.Run(context.Background(), "drop", collectors.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0].Run.Counts; got != tc.want {
				t.Errorf("got %+v (rejects %+v), want %+v", got, res[0].Rejects, tc.want)
			}
			if tc.want.Rejected > 0 {
				if rj := res[0].Rejects; len(rj) != 1 || rj[0].Reason != "period 2021-10 is in the future" {
					t.Errorf("rejects: got %+v, want period 2021-10 is in the future", rj)
				}
			}
		})
	}
}
