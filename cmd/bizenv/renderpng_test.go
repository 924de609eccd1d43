package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestRenderPNG runs `make report-png`'s script with a freshly built binary,
// as a manager's machine would: a private cluster migrated, the demo
// imported, the 2020-11 report rendered by headless Chromium.
func TestRenderPNG(t *testing.T) {
	if testing.Short() {
		t.Skip("renders with chromium")
	}
	for _, tool := range []string{"chromium", "fc-list"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bizenv")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	png := filepath.Join(dir, "report.png")
	cmd := exec.Command(filepath.Join("report", "render-png.sh"), bin, png)
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "BIZENV_DATABASE_URL=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("render-png.sh: %v\n%s", err, out)
	}
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG")) || len(b) < 50_000 {
		t.Errorf("report.png: %d bytes, not a rendered page", len(b))
	}
}
