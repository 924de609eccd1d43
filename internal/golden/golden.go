// Package golden compares what a test produced with a file kept in
// testdata, and rewrites the file instead under go test -update. Only
// tests import it: the flag is theirs.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Check fails t unless got is the content of the file path. Under -update
// it writes got to path first, for the diff to be reviewed.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test -update after checking, and review the diff); got:\n%s", path, got)
	}
}
