package tabular_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/bizenv/bizenv/internal/bomb"
)

// TestXLSXBombs reads a workbook whose junk part unpacks to 1 GiB, from
// the drop folder and from a URL: both refuse it from its zip directory.
func TestXLSXBombs(t *testing.T) {
	data := bomb.JunkPart(1 << 30)
	want := "bomb.xlsx:0: bomb.xlsx: part xl/media/junk.bin unpacks to 1073741824 bytes, more than the 16777216 allowed"
	t.Run("drop folder", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "bomb.xlsx"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		b := fetch(t, parseConfig(t, fmt.Sprintf(`
collectors:
  - name: drop
    schedule: "0 9 * * *"
    tabular: {path: %s/*.xlsx}
`, dir)), neverStored)
		if got := rejects(b); got != want {
			t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("url", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
		defer srv.Close()
		b := fetch(t, parseConfig(t, fmt.Sprintf(`
collectors:
  - name: url
    schedule: "0 9 * * *"
    tabular: {url: %s/bomb.xlsx}
`, srv.URL)), neverStored)
		if got := rejects(b); got != want {
			t.Errorf("rejects: got\n%s\nwant\n%s", got, want)
		}
	})
}
