package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestHostileStrings takes names and labels that would break SQL, the
// exposition format or a terminal through catalog apply, import, store,
// /metrics (parsed, so it must stay valid) and the reject listing.
func TestHostileStrings(t *testing.T) {
	long := strings.Repeat("长", 10_000)
	nameZH := "引号\"} 1\n# HELP bizenv_fake x\n反斜杠\\n'; DROP TABLE observations; --"
	nameEN := "\x01\x1b[31mred" + long
	catalog := writeFile(t, "catalog.yaml", `indicators:
  - code: hostile_quote
    name_zh: "`+yamlEscape(nameZH)+`"
    name_en: "`+yamlEscape(nameEN)+`"
    unit: score
    direction: higher_better
    category: "a,b=\"c\""
entities:
  - code: hostile-ent
    name_zh: "`+yamlEscape(nameZH)+`"
    name_en: "x"
    kind: district
`)
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	if r := runBizenv(t, dsn, "catalog", "apply", catalog); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	dir := t.TempDir()
	fileName := filepath.Join(dir, "we\"ird\nname';--.csv")
	hostileCodes := []string{
		"x'; DROP TABLE observations; --",
		`"} 1` + "\n# TYPE x counter",
		strings.Repeat("a", 10_000),
		"tab\there\x00nul",
		"\u202eevil",
	}
	var csv strings.Builder
	csv.WriteString(header)
	csv.WriteString("2021-09,hostile-ent,hostile_quote,91.5,\"src,\"\"quoted\"\"\",\"note\nwith newline\"\n")
	for _, code := range hostileCodes {
		csv.WriteString("2021-09,wuhan-edz,\"" + strings.ReplaceAll(code, `"`, `""`) + "\",1,,\n")
		csv.WriteString("2021-09,\"" + strings.ReplaceAll(code, `"`, `""`) + "\",city_assessment_rank,1,,\n")
	}
	if err := os.WriteFile(fileName, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBizenv(t, dsn, "import", "--allow-partial", fileName)
	if got, want := r.code(), exitRejected; got != want {
		t.Fatalf("import: exit %d, want %d: %v\n%s", got, want, r.err, r.stderr)
	}
	if got, want := r.stdout, "import: 1 inserted, 0 updated, 0 unchanged, 10 rejected: stored\n"; got != want {
		t.Errorf("import: got %q, want %q", got, want)
	}
	invalid := writeFile(t, "latin1.csv", header+"2021-09,wuhan-edz,city_assessment_rank,\xff\xfe,,\n")
	if r := runBizenv(t, dsn, "import", invalid); r.code() != exitRejected || !strings.Contains(r.stderr, "is not UTF-8") {
		t.Errorf("invalid UTF-8: exit %d, stderr %q", r.code(), r.stderr)
	}

	base, _ := startServe(t, dsn)
	t.Run("metrics stay valid", func(t *testing.T) {
		code, body := get(t, base+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(body))
		if err != nil {
			t.Fatalf("invalid exposition: %v", err)
		}
		if _, ok := families["bizenv_fake"]; ok {
			t.Errorf("a label injected a metric family")
		}
		labels := map[string]string{}
		for _, m := range families["bizenv_indicator_info"].GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["indicator"] == "hostile_quote" {
				break
			}
		}
		if got := labels["name_zh"]; got != nameZH {
			t.Errorf("name_zh label: got %q, want %q", got, nameZH)
		}
		if got := labels["name_en"]; got != nameEN {
			t.Errorf("name_en label: got %d chars, want %d", len(got), len(nameEN))
		}
		if !strings.Contains(body, `bizenv_indicator_value{entity="hostile-ent",indicator="hostile_quote"} 91.5`) {
			t.Errorf("/metrics lacks the hostile series' value")
		}
	})
	t.Run("rejects listed", func(t *testing.T) {
		code, body := get(t, base+"/api/v1/rejects")
		if code != http.StatusOK {
			t.Fatalf("status %d: %s", code, body)
		}
		var got struct {
			Rejects []struct{ File, Record, Reason string }
		}
		if err := json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&got); err != nil {
			t.Fatalf("rejects: %v", err)
		}
		n := 0
		for _, r := range got.Rejects {
			if r.File == fileName && r.Reason != "" {
				n++
			}
		}
		if n != 10 {
			t.Errorf("rejects of %q with a reason: got %d, want 10", fileName, n)
		}
		if !strings.Contains(body, `unknown indicator \"x'; DROP TABLE observations; --\"`) {
			t.Errorf("rejects lack the SQL one:\n%.2000s", body)
		}
	})
	t.Run("the tables are whole", func(t *testing.T) { mustVerify(t, dsn) })
}

// yamlEscape writes s for a double-quoted YAML scalar.
func yamlEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
