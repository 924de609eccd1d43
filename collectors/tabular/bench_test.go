package tabular_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/tabular"
	"github.com/bizenv/bizenv/ingest"
)

// BenchmarkStoredFolder runs the collector over a drop folder of twelve
// 60 MB files that are all stored already, as every run after the first
// does: "fresh" with a new source each time (the first run after start),
// "again" with one source (every later run). Peak memory:
//
//	go test -c -o /tmp/tabular.test ./collectors/tabular
//	/usr/bin/time -v /tmp/tabular.test -test.run '^$' -test.bench 'StoredFolder/fresh' -test.benchtime 1x
func BenchmarkStoredFolder(b *testing.B) {
	dir := b.TempDir()
	chunk := bytes.Repeat([]byte("2021-09,wuhan-jiangan,city_assessment_score,88.5\n"), 1<<20/50)
	for i := range 12 {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%02d.csv", i)))
		if err != nil {
			b.Fatal(err)
		}
		for range 60 {
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
	col := longSource(b, dir+"/*.csv")
	cat := bizenv.DefaultCatalog()
	v := ingest.NewValidator(cat, now)
	allStored := func(context.Context, string) (bool, error) { return true, nil }
	fetch := func(b *testing.B, src *tabular.Source) {
		got, err := src.Fetch(context.Background(), kind.Job{Catalog: cat, Validator: v, Stored: allStored})
		if err != nil {
			b.Fatal(err)
		}
		if n := len(got.Payloads) + len(got.Rejects); n != 0 {
			b.Fatalf("got %d payloads and rejects, want none", n)
		}
	}
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			fetch(b, tabular.New(col, kind.Deps{}))
		}
	})
	b.Run("again", func(b *testing.B) {
		src := tabular.New(col, kind.Deps{})
		fetch(b, src)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			fetch(b, src)
		}
	})
}
