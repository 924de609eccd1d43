package dashboards_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
)

const root = "../../.."

func TestCommittedDemoJSON(t *testing.T) {
	files, err := dashboards.DemoFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(dashboards.Boards()) {
		t.Fatalf("%d demo boards for %d boards", len(files), len(dashboards.Boards()))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, dashboards.DemoDir, name))
		if err != nil {
			t.Fatalf("%v (run go run ./deploy/grafana/gen)", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s/%s differs from what the code builds; run go run ./deploy/grafana/gen", dashboards.DemoDir, name)
		}
	}
}

// demoMonths is the first and last month of the demo's data files.
func demoMonths(t *testing.T) (first, last time.Time) {
	t.Helper()
	for _, f := range []string{"seed-report.csv", "synthetic.csv"} {
		r, err := os.Open(filepath.Join(root, "deploy", "demo", f))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		rows, err := csv.NewReader(r).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			m, err := time.ParseInLocation("2006-01", row[0], shanghai(t))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if first.IsZero() || m.Before(first) {
				first = m
			}
			if m.After(last) {
				last = m
			}
		}
	}
	return first, last
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func boardTime(t *testing.T, j []byte) (from, to string) {
	t.Helper()
	var d struct {
		Time struct{ From, To string }
	}
	if err := json.Unmarshal(j, &d); err != nil {
		t.Fatal(err)
	}
	return d.Time.From, d.Time.To
}

// TestDemoBoardsOpenOnTheDemoData: the demo's boards open on a range that
// holds every month of the demo's data and ends now (the Prometheus panels'
// instant queries run at the range's end); the live boards keep the last
// two years.
func TestDemoBoardsOpenOnTheDemoData(t *testing.T) {
	first, last := demoMonths(t)
	for _, b := range dashboards.Boards() {
		demo, err := b.DemoJSON()
		if err != nil {
			t.Fatal(err)
		}
		from, to := boardTime(t, demo)
		start, err := time.Parse(time.RFC3339, from)
		if err != nil {
			t.Fatalf("%s: demo range starts at %q: %v", b.UID, from, err)
		}
		if start.After(first) {
			t.Errorf("%s: the demo range starts at %s, after the demo's first month %s", b.UID, start, first.Format("2006-01"))
		}
		if first.Sub(start) > 31*24*time.Hour {
			t.Errorf("%s: the demo range starts at %s, long before the demo's first month %s", b.UID, start, first.Format("2006-01"))
		}
		if to != "now" || !last.Before(time.Now()) {
			t.Errorf("%s: the demo range ends at %q; want now, after the demo's last month %s", b.UID, to, last.Format("2006-01"))
		}
		live, err := b.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if from, to := boardTime(t, live); from != "now-2y" || to != "now" {
			t.Errorf("%s: the live range is %s to %s, want now-2y to now", b.UID, from, to)
		}
	}
}
