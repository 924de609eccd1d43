package api_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/api"
)

func TestTokensFile(t *testing.T) {
	const (
		first  = "first-0123456789abcdef"
		second = "secnd-0123456789abcdef"
	)
	lookup := func(t *testing.T, tokens *api.Tokens, secret, want string) {
		t.Helper()
		name, ok := tokens.Lookup(secret)
		if want == "" && ok {
			t.Errorf("Lookup(%s...) = %q, want refused", secret[:5], name)
		}
		if want != "" && (!ok || name != want) {
			t.Errorf("Lookup(%s...) = %q, %v; want %q", secret[:5], name, ok, want)
		}
	}

	t.Run("a bad line is logged and skipped", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokens")
		content := "# name token\nscript " + first + "\nbroken-line-without-a-secret\nshort tooshort\nother " + second + "\n"
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		tokens := api.NewTokens(nil, path, slog.New(slog.NewTextHandler(&logs, nil)))
		lookup(t, tokens, first, "script")
		lookup(t, tokens, second, "other")
		lookup(t, tokens, "broken-line-without-a-secret", "")
		for _, want := range []string{path + ` line 3: want \"name token\"`, path + " line 4: "} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, logs.String())
			}
		}
		if strings.Contains(logs.String(), "tooshort") {
			t.Errorf("log shows a secret:\n%s", logs.String())
		}
		if n := strings.Count(logs.String(), "line 3"); n != 1 {
			t.Errorf("bad line logged %d times for 3 lookups of one file, want once", n)
		}
	})

	t.Run("a change that keeps size and time is seen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(path, []byte("script "+first+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		stamp := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := os.Chtimes(path, stamp, stamp); err != nil {
			t.Fatal(err)
		}
		tokens := api.NewTokens(nil, path, nil)
		lookup(t, tokens, first, "script")

		// A rotated file: same length, same modification time.
		if err := os.WriteFile(path, []byte("script "+second+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, stamp, stamp); err != nil {
			t.Fatal(err)
		}
		lookup(t, tokens, first, "")
		lookup(t, tokens, second, "script")
	})

	t.Run("an unreadable file grants nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tokens")
		if err := os.WriteFile(path, []byte("script "+first+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tokens := api.NewTokens(nil, path, nil)
		lookup(t, tokens, first, "script")
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		lookup(t, tokens, first, "")
		if err := os.WriteFile(path, []byte("script "+first+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		lookup(t, tokens, first, "script")
	})
}
