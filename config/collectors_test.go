package config_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
)

// env is the environment the test configurations are read with.
var env = getenv(map[string]string{
	"YWTB_TOKEN": "s3cret-token",
	"CREDIT_DSN": "postgres://credit:pa55word@db.example/credit",
})

func TestCollectorsSpecExample(t *testing.T) {
	c, err := config.Load("testdata/collectors/valid-spec.yml", env)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.Collectors), 4; got != want {
		t.Fatalf("collectors: got %d, want %d", got, want)
	}
	t.Run("kinds", func(t *testing.T) {
		var got []string
		for i, col := range c.Collectors {
			got = append(got, col.Kind())
			if c.Sources[i].Kind != col.Kind() || c.Sources[i].Name != col.Name {
				t.Errorf("source %d: got %s %s, want %s %s", i, c.Sources[i].Kind, c.Sources[i].Name, col.Kind(), col.Name)
			}
		}
		if want := "tabular http_json sql worldbank"; strings.Join(got, " ") != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("tabular", func(t *testing.T) {
		tab := c.Sources[0].Tabular
		if got, want := tab.FilenameRE.FindStringSubmatch("2021年9月全市营商环境考核排名.xlsx"), []string{"2021年9月", "2021", "9"}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("file name pattern: got %q, want %q", got, want)
		}
		if got, want := tab.EntityMap["经开区"], "wuhan-edz"; got != want {
			t.Errorf("entity map: got %q, want %q", got, want)
		}
		if got, want := c.Sources[0].Timeout, 30*time.Second; got != want {
			t.Errorf("timeout: got %v, want %v", got, want)
		}
		if got, want := c.Sources[0].Retries, 3; got != want {
			t.Errorf("retries: got %d, want %d", got, want)
		}
		if !tab.Wide {
			t.Error("layout: got long, want wide")
		}
	})
	t.Run("http_json", func(t *testing.T) {
		h := c.Sources[1].HTTPJSON
		if got, want := h.Headers["Authorization"], "Bearer s3cret-token"; got != want {
			t.Errorf("header from the environment: got %q, want %q", got, want)
		}
		var sb strings.Builder
		if err := h.URLTemplate.Execute(&sb, config.NewURLData(bizenv.NewPeriod(2021, 9))); err != nil {
			t.Fatal(err)
		}
		if got, want := sb.String(), "https://platform.example/api/stats?month=2021-09"; got != want {
			t.Errorf("url: got %q, want %q", got, want)
		}
		if got, want := c.Sources[1].Retries, 3; got != want {
			t.Errorf("retries: got %d, want %d", got, want)
		}
		if got := c.Collectors[1].HTTPJSON.Retries; got != nil {
			t.Errorf("retries as written: got %d, want nil (defaults are not written into the file's values)", *got)
		}
	})
	t.Run("sql", func(t *testing.T) {
		if got, want := c.Sources[2].Timeout, time.Minute; got != want {
			t.Errorf("timeout: got %v, want %v", got, want)
		}
		if got, want := c.Sources[2].Retries, 0; got != want {
			t.Errorf("retries: got %d, want %d", got, want)
		}
	})
	t.Run("worldbank", func(t *testing.T) {
		wb := c.Sources[3].WorldBank
		if got, want := wb.AnnualMonth, 12; got != want {
			t.Errorf("annual_month: got %d, want %d", got, want)
		}
		if got, want := wb.Years, 5; got != want {
			t.Errorf("years: got %d, want %d", got, want)
		}
		if got, want := wb.BaseURL, config.DefaultWorldBankURL; got != want {
			t.Errorf("base_url: got %q, want %q", got, want)
		}
	})
	t.Run("time zone", func(t *testing.T) {
		if got, want := c.Location.String(), "Asia/Shanghai"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestCollectorsSchedule(t *testing.T) {
	for _, s := range []string{"0 9 * * *", "CRON_TZ=Asia/Shanghai 0 9 1 * *", "TZ=UTC */5 * * * *", "@daily", "@every 1h30m"} {
		t.Run(s, func(t *testing.T) {
			yml := "collectors:\n  - name: wb\n    schedule: \"" + s + "\"\n    worldbank: {countries: {CHN: cn}, indicators: {IC.REG.DURS: wb_bizstart_days}}\n"
			if _, err := config.Parse("c.yml", []byte(yml), env); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}
}

// invalidCollectors returns the invalid files of testdata/collectors, by
// name without .yml, with the message loading each gives.
func invalidCollectors() []invalidCase {
	return []invalidCase{
		{"bad-cron-tz", `collector wb: schedule "CRON_TZ=Mars/Olympus 0 9 * * *": provided bad location Mars/Olympus: unknown time zone Mars/Olympus`},
		{"bad-name", `collector "city assessment": name must be ASCII letters, digits, '-', '_' or '.'`},
		{"bad-schedule", `collector wb: schedule "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]`},
		{"duplicate-name", `collector wb: listed twice`},
		{"http-bad-template", `collector ywtb: http_json.url: bad template: 1: bad character U+007D '}'`},
		{"http-bad-timeout", `collector ywtb: http_json.timeout: "30x" is not a positive duration such as 30s or 2m`},
		{"http-no-entity", `collector ywtb: http_json.entity: required (the path of the entity in a record)`},
		{"http-no-url", `collector ywtb: http_json.url: required`},
		{"http-no-values", `collector ywtb: http_json.values: map at least one indicator code to a path in a record`},
		{"http-values-control", `collector ywtb: http_json.values: "办件\t量" has a control character`},
		{"http-not-http", `collector ywtb: http_json.url: not an absolute http or https URL`},
		{"http-pagination-both", `collector ywtb: http_json.pagination: give next or param, not both`},
		{"http-retries", `collector ywtb: http_json.retries 20: want 0..10`},
		{"http-secret-unset", `line 6: environment variable YWTB_TOKEN_UNSET is not set`},
		{"http-unknown-field", `collector ywtb: http_json.url: {{.Month2}} is not a template field: use {{.Period}}, {{.Year}}, {{.Month}} or {{.YYYYMM}}`},
		{"no-name", `collectors[0]: name is required`},
		{"no-schedule", `collector wb: schedule is required`},
		{"no-source", `collector wb: no source: want one of tabular, http_json, sql or worldbank`},
		{"sql-bad-timeout", `collector credit: sql.timeout: "-5s" is not a positive duration such as 30s or 2m`},
		{"sql-no-dsn", `collector credit: sql.dsn: required`},
		{"sql-no-query", `collector credit: sql.query: required`},
		{"tabular-bad-glob", `collector inbox: tabular.path "/srv/inbox/[.csv": syntax error in pattern`},
		{"tabular-bad-layout", `collector inbox: tabular.layout "tall": want long or wide`},
		{"tabular-bad-period-value", `collector inbox: tabular.period.value: bad period "2021-13": month must be 1..12`},
		{"tabular-bad-regexp", "collector inbox: tabular.period.filename: error parsing regexp: missing closing ): `(\\d{4})年(\\d{1,2}月`"},
		{"tabular-column-deduction-only", `collector inbox: tabular.columns.扣分: "-deduction": want an indicator's code, name_zh or alias before -deduction`},
		{"tabular-column-spaces", `collector inbox: tabular.columns.得分: " 全市得分" has spaces around the name`},
		{"tabular-entity-map-empty", `collector inbox: tabular.entity.map.经开区: empty: want an entity's code, name_zh or alias`},
		{"tabular-bad-timeout", `collector inbox: tabular.timeout: "30" is not a positive duration such as 30s or 2m`},
		{"tabular-long-with-period", `collector inbox: tabular.period: not used with layout long, whose period column holds it`},
		{"tabular-no-path", `collector inbox: tabular.path: path or url is required`},
		{"tabular-path-and-url", `collector inbox: tabular.url: give path or url, not both`},
		{"tabular-wide-no-period", `collector inbox: tabular.period: layout wide needs one of column, value or filename`},
		{"tabular-wide-two-periods", `collector inbox: tabular.period: give one of column, value or filename`},
		{"two-sources", `collector wb: sql and worldbank: want exactly one source kind`},
		{"unknown-key", "yaml: unmarshal errors:\n  line 4: field anual_month not found in type config.WorldBank"},
		{"wb-bad-id", `collector wb: worldbank.countries: "CHN/../x" is not a World Bank country id`},
		{"wb-bad-month", `collector wb: worldbank.annual_month 13: want 1..12`},
		{"wb-country-empty", `collector wb: worldbank.countries.CHN: empty: want an entity's code, name_zh or alias`},
		{"wb-no-countries", `collector wb: worldbank.countries: map at least one World Bank country id to an entity code`},
	}
}

type invalidCase struct{ file, want string }

func TestCollectorsInvalid(t *testing.T) {
	for _, tc := range invalidCollectors() {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "collectors", tc.file+".yml")
			_, err := config.Load(path, env)
			if err == nil {
				t.Fatalf("got no error, want %q", "config "+path+": "+tc.want)
			}
			if got, want := err.Error(), "config "+path+": "+tc.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// Every invalid file in testdata has a case above.
func TestCollectorsInvalidFilesCovered(t *testing.T) {
	files, err := filepath.Glob("testdata/collectors/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yml")
		covered := slices.ContainsFunc(invalidCollectors(), func(tc invalidCase) bool { return tc.file == name })
		if !covered && !strings.HasPrefix(name, "valid-") {
			t.Errorf("%s has no case in invalidCollectors", f)
		}
	}
}

func TestCollectorsSecretsNotInErrors(t *testing.T) {
	secrets := getenv(map[string]string{"TOKEN": "s3cret-token", "DSN": "postgres://u:pa55word@db/x"})
	for name, yml := range map[string]string{
		"header": `collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json: {url: "https://platform.example/api", headers: {Authorization: "Bearer ${TOKEN}"}, entity: a, values: {"": x}}`,
		"url": `collectors:
  - name: ywtb
    schedule: "0 8 2 * *"
    http_json: {url: "ftp://user:${TOKEN}@platform.example/api", entity: a, values: {ywtb_one_window: x}}`,
		"dsn": `collectors:
  - name: credit
    schedule: "0 7 3 * *"
    sql: {dsn: "${DSN}", timeout: soon, query: "SELECT 1"}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Parse("c.yml", []byte(yml), secrets)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			for _, secret := range []string{"s3cret-token", "pa55word"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes a secret", err)
				}
			}
		})
	}
}
