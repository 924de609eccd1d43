package postgres_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv/postgres"
)

// TestDBKeepsItsPool: the store's methods speak the domain; the sqlx pool
// beneath is no part of them, so that no caller reaches past the named
// queries, and DB.Query names a query without shadowing sqlx's Query.
func TestDBKeepsItsPool(t *testing.T) {
	store, pool := reflect.TypeFor[*postgres.DB](), reflect.TypeFor[*sqlx.DB]()
	for i := range pool.NumMethod() {
		m := pool.Method(i)
		if m.Name == "Close" {
			continue
		}
		if got, ok := store.MethodByName(m.Name); ok && signature(got.Type) == signature(m.Type) {
			t.Errorf("postgres.DB has sqlx's %s%s", m.Name, signature(m.Type))
		}
	}
}

// signature writes a method's parameters and results, without its receiver.
func signature(f reflect.Type) string {
	var in, out []string
	for i := 1; i < f.NumIn(); i++ {
		in = append(in, f.In(i).String())
	}
	for i := range f.NumOut() {
		out = append(out, f.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}
