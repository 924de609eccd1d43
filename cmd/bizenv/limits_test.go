package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv/internal/bomb"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestImportRefusesXLSXBombs imports workbooks that unpack to far more than
// their size: each is one reject saying so, read from the zip directory
// alone, and the history holds.
func TestImportRefusesXLSXBombs(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"1 GiB junk part", bomb.JunkPart(1 << 30), ": part xl/media/junk.bin unpacks to 1073741824 bytes, more than the 16777216 allowed"},
		{"shared-strings bomb", bomb.SharedStrings(256 << 20 / 17), ": its shared strings unpack to 268431493 bytes, more than the 16777216 allowed"},
		{"white-space padded sheet", bomb.PaddedSheet(1 << 30), " bytes may (100 times its size, at most 268435456)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bomb.xlsx")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"import", "--dry-run", path}, {"import", path}} {
				r := runBizenv(t, dsn, args...)
				if got, want := r.code(), exitRejected; got != want {
					t.Errorf("%s: exit %d, want %d: %v\n%s", args, got, want, r.err, r.stderr)
				}
				if !strings.HasPrefix(r.stderr, path+": ") || !strings.Contains(r.stderr, tc.want) {
					t.Errorf("%s: stderr: got %q, want %s%s", args, r.stderr, path, tc.want)
				}
				if want := "import: 0 inserted, 0 updated, 0 unchanged, 1 rejected: "; !strings.HasPrefix(r.stdout, want) {
					t.Errorf("%s: stdout: got %q, want %q...", args, r.stdout, want)
				}
			}
		})
	}
	mustVerify(t, dsn)
}

// TestImportRefusesCommaBomb imports a CSV line of 30 million commas: it is
// refused by its field count before it is split.
func TestImportRefusesCommaBomb(t *testing.T) {
	dsn := pgtest.DSN(t)
	path := filepath.Join(t.TempDir(), "commas.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := bomb.WriteCommas(f, 30_000_000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r := runBizenv(t, dsn, "import", "--dry-run", path)
	if got, want := r.code(), exitRejected; got != want {
		t.Errorf("exit %d, want %d: %v\n%s", got, want, r.err, r.stderr)
	}
	if got, want := r.stderr, path+": "+path+": line 2 has more than 16384 fields\n"; got != want {
		t.Errorf("stderr: got %q, want %q", got, want)
	}
	mustVerify(t, dsn)
}
