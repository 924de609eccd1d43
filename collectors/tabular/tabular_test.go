package tabular_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/tabular"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// now is after every period the fixtures hold.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func parseConfig(t testing.TB, yml string) config.Source {
	t.Helper()
	c, err := config.Parse("test.yml", []byte(yml), func(string) string { return "s3cret" })
	if err != nil {
		t.Fatal(err)
	}
	return c.Sources[0]
}

// tabularSource parses one tabular collector whose section, the lines
// under "tabular:", is yml.
func tabularSource(t testing.TB, yml string) config.Source {
	t.Helper()
	return parseConfig(t, "collectors:\n  - name: drop\n    schedule: \"0 9 * * *\"\n    tabular:\n"+yml)
}

// neverStored is a kind.Job.Stored for a collector that has stored nothing yet.
func neverStored(context.Context, string) (bool, error) { return false, nil }

// job asks for the periods in the data, checked against the default
// catalog at now; stored says which contents were stored before.
func job(stored func(context.Context, string) (bool, error)) kind.Job {
	cat := bizenv.DefaultCatalog()
	return kind.Job{Catalog: cat, Validator: ingest.NewValidator(cat, now), Stored: stored}
}

// fetch fetches the batch of a new source of col.
func fetch(t *testing.T, col config.Source, stored func(context.Context, string) (bool, error)) bizenv.Batch {
	t.Helper()
	return fetchFrom(t, tabular.New(col, kind.Deps{Backoff: time.Millisecond}), stored)
}

// fetchFrom fetches src's batch; an error fails the test.
func fetchFrom(t *testing.T, src *tabular.Source, stored func(context.Context, string) (bool, error)) bizenv.Batch {
	t.Helper()
	b, err := src.Fetch(context.Background(), job(stored))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func observations(b bizenv.Batch) string {
	var lines []string
	for _, o := range b.Observations {
		lines = append(lines, fmt.Sprintf("%s %s %s %v %s", o.Period, o.Entity, o.Indicator, o.Value, o.Source))
	}
	return strings.Join(lines, "\n")
}

func rejects(b bizenv.Batch) string {
	var lines []string
	for _, r := range b.Rejects {
		lines = append(lines, fmt.Sprintf("%s:%d: %s", filepath.Base(r.File), r.Line, r.Reason))
	}
	return strings.Join(lines, "\n")
}

const noticeConfig = `
collectors:
  - name: city-assessment
    schedule: "0 9 * * *"
    tabular:
      path: %s
      layout: wide
      sheet: 排名
      period: {filename: '(\d{4})年(\d{1,2})月'}
      entity: {column: 单位, map: {经开区（汉南区）: wuhan-edz, 全市平均: wuhan-avg}}
      columns: {得分: city_assessment_score, 排名: city_assessment_rank}
`

func TestNotice(t *testing.T) {
	col := parseConfig(t, fmt.Sprintf(noticeConfig, "testdata/*年*月*.xlsx"))
	b := fetch(t, col, neverStored)
	t.Run("observations", func(t *testing.T) {
		// 15 districts with a score and a rank, and the city average with a
		// score; its rank "—" is no value.
		if got, want := len(b.Observations), 31; got != want {
			t.Fatalf("got %d observations, want %d:\n%s", got, want, observations(b))
		}
		got := observations(b)
		for _, want := range []string{
			"2021-09 wuhan-jianghan city_assessment_score 90.26 " + noticeName,
			"2021-09 wuhan-edz city_assessment_score 87.76 " + noticeName,
			"2021-09 wuhan-edz city_assessment_rank 5 " + noticeName,
			"2021-09 wuhan-qingshan city_assessment_rank 15 " + noticeName,
			"2021-09 wuhan-avg city_assessment_score 86.11 " + noticeName,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("missing %q in\n%s", want, got)
			}
		}
		if strings.Contains(got, "wuhan-avg city_assessment_rank") {
			t.Errorf("the city average's rank — was stored:\n%s", got)
		}
	})
	t.Run("no rejects", func(t *testing.T) {
		if got := rejects(b); got != "" {
			t.Errorf("got rejects\n%s", got)
		}
	})
	t.Run("payload", func(t *testing.T) {
		content, err := os.ReadFile(filepath.Join("testdata", noticeName))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(b.Payloads), 1; got != want {
			t.Fatalf("got %d payloads, want %d", got, want)
		}
		if got, want := string(b.Payloads[0].Content), string(content); got != want {
			t.Errorf("payload is not the file's content")
		}
		if got, want := len(b.Payloads[0].SHA256), 64; got != want {
			t.Errorf("sha256 %q: got %d hex digits, want %d", b.Payloads[0].SHA256, got, want)
		}
	})
	t.Run("stored file skipped", func(t *testing.T) {
		sum := b.Payloads[0].SHA256
		again := fetch(t, col, func(_ context.Context, s string) (bool, error) { return s == sum, nil })
		if got := len(again.Observations) + len(again.Rejects) + len(again.Payloads); got != 0 {
			t.Errorf("got %d observations, rejects and payloads from a stored file, want none", got)
		}
	})
}

func TestMergedMonths(t *testing.T) {
	col := tabularSource(t, `
      path: testdata/merged-months.xlsx
      layout: wide
      period: {column: 月份}
      entity: {column: 单位, map: {经开区: wuhan-edz}}
      columns: {全程网办率: ywtb_full_online, 事项认领率: item_claim_rate}
`)
	b := fetch(t, col, neverStored)
	t.Run("observations", func(t *testing.T) {
		got := observations(b)
		want := strings.Join([]string{
			"2021-08 wuhan-edz ywtb_full_online 0.985 merged-months.xlsx",
			"2021-08 wuhan-edz item_claim_rate 0.97 merged-months.xlsx",
			"2021-08 wuhan-jiangan ywtb_full_online 0.99 merged-months.xlsx",
			"2021-08 wuhan-jiangan item_claim_rate 0.96 merged-months.xlsx",
			"2021-09 wuhan-edz ywtb_full_online 0.99 merged-months.xlsx",
			"2021-09 wuhan-jiangan ywtb_full_online 1 merged-months.xlsx",
			"2021-09 wuhan-jiangan item_claim_rate 0.975 merged-months.xlsx",
		}, "\n")
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("rejects", func(t *testing.T) {
		got := rejects(b)
		want := "merged-months.xlsx:8: unknown entity \"不存在区\"\nmerged-months.xlsx:8: unknown entity \"不存在区\""
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestLong(t *testing.T) {
	col := tabularSource(t, `
      path: testdata/*.csv
      entity: {map: {经开区: wuhan-edz}}
`)
	b := fetch(t, col, neverStored)
	if got, want := observations(b), "2021-09 wuhan-edz ywtb_full_online 0.99 一网通办平台\n2021-09 wuhan-jiangan ywtb_full_online 0.97 long.csv"; got != want {
		t.Errorf("observations: got\n%s\nwant\n%s", got, want)
	}
	if got, want := rejects(b), `long.csv:5: unknown indicator "no_such_indicator"`; got != want {
		t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
	}
}

func TestFileProblems(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2021年9月排名.csv"), "单位,名次\n江岸区,1\n")
	writeFile(t, filepath.Join(dir, "九月排名.csv"), "单位,排名\n江岸区,1\n")
	col := tabularSource(t, fmt.Sprintf(`
      path: %s/*.csv
      layout: wide
      period: {filename: '(\d{4})年(\d{1,2})月'}
      entity: {column: 单位}
      columns: {排名: city_assessment_rank}
`, dir))
	b := fetch(t, col, neverStored)
	want := "2021年9月排名.csv:0: 2021年9月排名.csv: no header row with 单位, 排名 (line 1 lacks 排名)\n" +
		"九月排名.csv:0: file name 九月排名.csv has no period: it does not match period.filename"
	if got := rejects(b); got != want {
		t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
	}
	// Files that cannot be read as configured are not kept as stored, so
	// they are read again once the file or the configuration is fixed.
	if got := len(b.Payloads); got != 0 {
		t.Errorf("got %d payloads, want 0", got)
	}
}

// longSource parses a collector of the long files that pattern matches.
func longSource(t testing.TB, pattern string) config.Source {
	t.Helper()
	return tabularSource(t, "      path: "+pattern+"\n")
}

func longCSV(entity string, value string) string {
	return "period,entity,indicator,value\n2021-09," + entity + ",city_assessment_score," + value + "\n"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// A drop folder holding links out of it, a dangling link and a file over
// the size limit beside good files: the good files are read, each bad
// entry is one reject, and nothing outside the folder is read or kept.
func TestDropFolderBadEntries(t *testing.T) {
	const secret = "DB_PASSWORD=hunter2-do-not-store"
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secrets.csv"), "period,entity,indicator,value\n"+secret+"\n")
	writeFile(t, filepath.Join(outside, "sub", "a.csv"), longCSV("wuhan-qiaokou", "80")+secret+"\n")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in", "1-good.csv"), longCSV("wuhan-jiangan", "88.5"))
	writeFile(t, filepath.Join(dir, "in", "9-good.csv"), longCSV("wuhan-jianghan", "90.25"))
	symlink(t, filepath.Join(outside, "secrets.csv"), filepath.Join(dir, "in", "2-secrets.csv"))
	symlink(t, filepath.Join(dir, "in", "1-good.csv"), filepath.Join(dir, "in", "3-inside.csv"))
	symlink(t, filepath.Join(dir, "in", "gone.csv"), filepath.Join(dir, "in", "4-dangling.csv"))
	big, err := os.Create(filepath.Join(dir, "in", "5-big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(ingest.DefaultMaxBytes + 1); err != nil {
		t.Fatal(err)
	}
	big.Close()
	// A folder the pattern's wildcard matches, linked out of the folder.
	symlink(t, filepath.Join(outside, "sub"), filepath.Join(dir, "linked"))

	for _, tc := range []struct{ name, pattern, obs, rejects string }{
		{"files", dir + "/in/*.csv",
			"2021-09 wuhan-jiangan city_assessment_score 88.5 1-good.csv\n2021-09 wuhan-jianghan city_assessment_score 90.25 9-good.csv",
			"2-secrets.csv:0: " + dir + "/in/2-secrets.csv: a symbolic link; only regular files in the folder are read\n" +
				"3-inside.csv:0: " + dir + "/in/3-inside.csv: a symbolic link; only regular files in the folder are read\n" +
				"4-dangling.csv:0: " + dir + "/in/4-dangling.csv: a symbolic link; only regular files in the folder are read\n" +
				fmt.Sprintf("5-big.csv:0: %s/in/5-big.csv: %d bytes, larger than the limit of %d", dir, ingest.DefaultMaxBytes+1, ingest.DefaultMaxBytes)},
		{"folders", dir + "/*/*good.csv",
			"2021-09 wuhan-jiangan city_assessment_score 88.5 1-good.csv\n2021-09 wuhan-jianghan city_assessment_score 90.25 9-good.csv",
			""},
		{"linked folder", dir + "/*/a.csv", "",
			"a.csv:0: " + dir + "/linked/a.csv: in " + dir + "/linked, a symbolic link; only files inside " + dir + " are read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := longSource(t, tc.pattern)
			b := fetch(t, col, neverStored)
			if got := observations(b); got != tc.obs {
				t.Errorf("observations: got\n%s\nwant\n%s", got, tc.obs)
			}
			if got := rejects(b); got != tc.rejects {
				t.Errorf("rejects: got\n%s\nwant\n%s", got, tc.rejects)
			}
			var kept []string
			for _, p := range b.Payloads {
				kept = append(kept, filepath.Base(p.Name))
				if strings.Contains(string(p.Content), secret) {
					t.Errorf("payload %s holds the secret", p.Name)
				}
			}
			if got, want := strings.Join(kept, " "), strings.Join(map[bool][]string{true: {"1-good.csv", "9-good.csv"}}[tc.obs != ""], " "); got != want {
				t.Errorf("payloads: got %q, want %q", got, want)
			}
		})
	}
}

// A file whose size and modification time have not changed since it was
// stored is not read again. The proof: its content is replaced by other
// content of the same size, and the modification time put back; the
// second run does not see the new content. Once the modification time
// moves, it does.
func TestDropFolderUnchangedFilesNotRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "scores.csv")
	writeFile(t, path, longCSV("wuhan-jiangan", "88.5"))
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	col := longSource(t, dir+"/*.csv")
	src := tabular.New(col, kind.Deps{})
	stored := map[string]bool{}
	run := func(t *testing.T) bizenv.Batch {
		t.Helper()
		b := fetchFrom(t, src, func(_ context.Context, sum string) (bool, error) { return stored[sum], nil })
		for _, p := range b.Payloads {
			stored[p.SHA256] = true
		}
		return b
	}

	if got, want := observations(run(t)), "2021-09 wuhan-jiangan city_assessment_score 88.5 scores.csv"; got != want {
		t.Fatalf("first run: got\n%s\nwant\n%s", got, want)
	}
	writeFile(t, path, longCSV("wuhan-jiangan", "77.5"))
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	t.Run("same size and time", func(t *testing.T) {
		if b := run(t); len(b.Observations)+len(b.Rejects)+len(b.Payloads) != 0 {
			t.Errorf("the file was read again: got\n%s", observations(b))
		}
	})
	if err := os.Chtimes(path, st.ModTime().Add(time.Second), st.ModTime().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	t.Run("newer", func(t *testing.T) {
		if got, want := observations(run(t)), "2021-09 wuhan-jiangan city_assessment_score 77.5 scores.csv"; got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
}

func TestURL(t *testing.T) {
	content, err := os.ReadFile(filepath.Join("testdata", noticeName))
	if err != nil {
		t.Fatal(err)
	}
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Write(content)
	}))
	defer srv.Close()
	col := tabularSource(t, fmt.Sprintf(`
      url: %s/notices/%s?token=${TOKEN}
      headers: {Authorization: "Bearer ${TOKEN}"}
      layout: wide
      period: {filename: '(\d{4})年(\d{1,2})月'}
      entity: {column: 单位, map: {经开区（汉南区）: wuhan-edz, 全市平均: wuhan-avg}}
      columns: {得分: city_assessment_score, 排名: city_assessment_rank}
`, srv.URL, "2021%E5%B9%B49%E6%9C%88%E5%85%A8%E5%B8%82%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83%E8%80%83%E6%A0%B8%E6%8E%92%E5%90%8D.xlsx"))
	b := fetch(t, col, neverStored)
	if got, want := auth, "Bearer s3cret"; got != want {
		t.Errorf("Authorization: got %q, want %q", got, want)
	}
	if got, want := len(b.Observations), 31; got != want {
		t.Errorf("got %d observations, want %d", got, want)
	}
	if got := b.Payloads[0].Name; strings.Contains(got, "s3cret") {
		t.Errorf("payload name %q has the token", got)
	}
}

// The demo's notice must agree with the demo's CSV files, which `make run`
// imports before the collector reads the notice.
func TestDemoNoticeAgreesWithDemoData(t *testing.T) {
	col := parseConfig(t, fmt.Sprintf(noticeConfig, "../../deploy/demo/inbox/*.xlsx"))
	b := fetch(t, col, neverStored)
	want := map[string]string{}
	for _, f := range []string{"synthetic.csv", "seed-report.csv"} {
		tbl := readCSV(t, filepath.Join("..", "..", "deploy", "demo", f))
		for _, r := range tbl {
			want[r[0]+" "+r[1]+" "+r[2]] = r[3]
		}
	}
	if len(b.Observations) == 0 {
		t.Fatal("no observations in the demo notice")
	}
	for _, o := range b.Observations {
		key := fmt.Sprintf("%s %s %s", o.Period, o.Entity, o.Indicator)
		w, ok := want[key]
		if !ok {
			continue // the CSVs need not have every figure
		}
		v, _, err := ingest.ParseValue(w, unitOf(o.Indicator))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if v != o.Value {
			t.Errorf("%s: notice has %v, demo CSV %v", key, o.Value, v)
		}
	}
	if got, want := want["2021-09 wuhan-edz city_assessment_rank"], "5"; got != want {
		t.Errorf("seed report: wuhan-edz rank in 2021-09: got %q, want %q", got, want)
	}
}

func unitOf(code string) string {
	i, _ := bizenv.DefaultCatalog().Indicator(code)
	return i.Unit
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := ingest.ReadTable(path, f, ingest.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range tbl.Rows[1:] {
		out = append(out, []string{r.Cell(0), r.Cell(1), r.Cell(2), r.Cell(3)})
	}
	return out
}

func TestUnreadableFileNotKept(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2021年9月排名.xlsx"), "this is not a workbook")
	col := parseConfig(t, fmt.Sprintf(noticeConfig, dir+"/*.xlsx"))
	src := tabular.New(col, kind.Deps{})
	for _, run := range []string{"first run", "second run"} {
		t.Run(run, func(t *testing.T) {
			b := fetchFrom(t, src, neverStored)
			if got, want := rejects(b), "2021年9月排名.xlsx:0: 2021年9月排名.xlsx: not an XLSX file"; got != want {
				t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
			}
			// Whatever the file holds, it is not a table: its content is
			// not stored where the dashboards' role can read it, and it is
			// refused on every run until it is removed.
			if got, want := len(b.Payloads), 0; got != want {
				t.Errorf("got %d payloads, want %d", got, want)
			}
		})
	}
}

func TestMissingSheetReadAgain(t *testing.T) {
	col := parseConfig(t, strings.Replace(fmt.Sprintf(noticeConfig, "testdata/*年*月*.xlsx"), "sheet: 排名", "sheet: 得分", 1))
	b := fetch(t, col, neverStored)
	if got, want := rejects(b), noticeName+":0: "+noticeName+`: no sheet "得分"; the sheets are 排名`; got != want {
		t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
	}
	if got, want := len(b.Payloads), 0; got != want {
		t.Errorf("got %d payloads, want %d: the file must be read again once the sheet is configured right", got, want)
	}
}
