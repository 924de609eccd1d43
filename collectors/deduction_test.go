package collectors_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// storedItems lists the stored values of the unit assessment's items.
func storedItems(t *testing.T, db interface {
	Select(dest any, query string, args ...any) error
}) string {
	t.Helper()
	var rows []struct {
		Entity    string  `db:"entity"`
		Indicator string  `db:"indicator"`
		Value     float64 `db:"value"`
	}
	if err := db.Select(&rows, `SELECT entity, indicator, value FROM observations
		WHERE indicator LIKE 'unit_item_%' ORDER BY entity, indicator`); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s %s %v", r.Entity, r.Indicator, r.Value))
	}
	return strings.Join(out, "\n")
}

// A notice that publishes points deducted (扣分) is mapped with
// "-deduction": what is stored is the points earned, max_points minus the
// number in the notice. A deduction beyond the item's points is rejected
// naming the file and line; the good rows are stored.
func TestTabularDeduction(t *testing.T) {
	db, _ := newDB(t)
	csv := "2021年8月单位考核扣分\n单位,双评议扣分,日常工作扣分,日常工作得分\n" +
		"wuhan-edz,2.5,1,\n" + // daily work: deduction only
		"wuhan-jiangan,0,,7\n" + // earned, no deduction
		"wuhan-hanyang,31,0,\n" // 31 > 30 points
	dir := folderWith(t, "units-2021-08.csv", []byte(csv))
	cfg := parse(t, fmt.Sprintf(`
collectors:
  - name: unit-assessment
    schedule: "0 9 * * *"
    tabular:
      path: %s/*.csv
      layout: wide
      period: {value: "2021-08"}
      entity: {column: 单位}
      columns: {双评议扣分: unit_item_city_review-deduction, 日常工作扣分: unit_item_daily_work-deduction, 日常工作得分: unit_item_daily_work}
`, dir))
	logger, _ := newLogger()
	r := collectors.NewRunner(db, cfg, logger, atNow)
	res, err := r.Run(context.Background(), "unit-assessment", collectors.Request{})
	if err != nil {
		t.Fatal(err)
	}
	want := "wuhan-edz unit_item_city_review 27.5\nwuhan-edz unit_item_daily_work 9\n" +
		"wuhan-hanyang unit_item_daily_work 10\n" +
		"wuhan-jiangan unit_item_city_review 30\nwuhan-jiangan unit_item_daily_work 7"
	if got := storedItems(t, pgtest.SQL(t, db)); got != want {
		t.Errorf("stored:\n%s\nwant\n%s", got, want)
	}
	if len(res) != 1 || len(res[0].Rejects) != 1 {
		t.Fatalf("results: got %+v, want one run with one reject", res)
	}
	rej := res[0].Rejects[0]
	if got, want := fmt.Sprintf("%s:%d: %s", filepath.Base(rej.File), rej.Line, rej.Reason),
		`units-2021-08.csv:5: value "31" for unit_item_city_review-deduction: points deducted exceed max_points 30`; got != want {
		t.Errorf("reject: got %s, want %s", got, want)
	}
}

// The JSON mapping takes "-deduction" on a value's indicator the same way.
func TestHTTPJSONDeduction(t *testing.T) {
	db, _ := newDB(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"items": [{"unit": "wuhan-edz", "kf": 4, "df": 26}, {"unit": "wuhan-jiangan", "kf": "—"}]}`)
	}))
	defer srv.Close()
	cfg := parse(t, fmt.Sprintf(`
collectors:
  - name: unit-json
    schedule: "0 9 * * *"
    http_json:
      url: "%s/units?month={{.Period}}"
      records: items
      entity: unit
      values: {unit_item_key_indicators-deduction: kf, unit_item_city_review: df}
`, srv.URL))
	logger, _ := newLogger()
	r := collectors.NewRunner(db, cfg, logger, atNow)
	if _, err := r.Run(context.Background(), "unit-json", collectors.Request{}); err != nil {
		t.Fatal(err)
	}
	want := "wuhan-edz unit_item_city_review 26\nwuhan-edz unit_item_key_indicators 16"
	if got := storedItems(t, pgtest.SQL(t, db)); got != want {
		t.Errorf("stored:\n%s\nwant\n%s", got, want)
	}
}
