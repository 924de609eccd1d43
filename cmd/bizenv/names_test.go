package main

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestCatalogApplyAliases stores a user's aliases, shows them, and refuses
// a file whose alias clashes with a record only the stored catalog has,
// naming both holders and storing nothing of the file.
func TestCatalogApplyAliases(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := store(t, dsn)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	own := writeFile(t, "own.yml", `entities:
  - {code: wuhan-jiangan, name_zh: 江岸区, name_en: Jiang'an District, kind: district, parent: wuhan, benchmark: wuhan-avg, aliases: [江岸, 汉口江岸]}
`)
	if r := runBizenv(t, dsn, "catalog", "apply", own); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	cat, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cat.Names().Entity("汉口江岸"); got != "wuhan-jiangan" {
		t.Errorf("stored alias 汉口江岸: got %q, want wuhan-jiangan", got)
	}
	if got, _ := cat.Names().Entity("车谷"); got != "wuhan-edz" {
		t.Errorf("default alias 车谷: got %q, want wuhan-edz", got)
	}
	r := runBizenv(t, dsn, "catalog", "show")
	if !strings.Contains(r.stdout, "- 汉口江岸") || !strings.Contains(r.stdout, "- 车谷") {
		t.Errorf("catalog show lacks the aliases:\n%s", r.stdout)
	}

	clash := writeFile(t, "clash.yml", `entities:
  - {code: wuhan-hannan-park, name_zh: 汉南园区, name_en: Hannan Park, kind: park, parent: wuhan-edz, aliases: [汉南园, 汉南区]}
`)
	r = runBizenv(t, dsn, "catalog", "apply", clash)
	if r.code() != exitUsage {
		t.Fatalf("exit %d, want %d: %v", r.code(), exitUsage, r.err)
	}
	want := `catalog: entity alias "汉南区" is ambiguous: it is an alias of entity wuhan-hannan-park and the alias of entity wuhan-edz`
	if r.err == nil || r.err.Error() != want {
		t.Errorf("got  %v\nwant %s", r.err, want)
	}
	cat, err = db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.Entity("wuhan-hannan-park"); ok {
		t.Error("the refused file's entity was stored")
	}

	// Running migrate again leaves the user's aliases alone.
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	cat, _ = db.Catalog(t.Context())
	if e, _ := cat.Entity("wuhan-jiangan"); strings.Join(e.Aliases, ",") != "江岸,汉口江岸" {
		t.Errorf("after migrate: aliases %v, want the user's", e.Aliases)
	}
}
