package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
)

// ApplyCatalog applies to db the catalog file name with the text yaml, as
// a user's catalog file is applied on top of the default one.
func ApplyCatalog(t testing.TB, db *postgres.DB, name, yaml string) {
	t.Helper()
	c, err := bizenv.ParseCatalog(name, strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyCatalog(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
