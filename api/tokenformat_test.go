package api_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bizenv/bizenv/api"
)

func TestReadTokensFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("tokens", "# who token\nanalyst 0123456789abcdef0\n\nscript  fedcba98765432100\n")
	toks, err := api.ReadTokensFile(good)
	if err != nil || len(toks) != 2 || toks[1].Name != "script" || toks[1].Secret != "fedcba98765432100" {
		t.Errorf("got %+v, %v", toks, err)
	}
	three := write("three", "a b c\n")
	short := write("short", "a short\n")
	badName := write("badname", "a/b 0123456789abcdef0\n")
	for _, tc := range []struct{ name, path, want string }{
		{"missing file", "/nonexistent", "open /nonexistent: no such file or directory"},
		{"three fields", three, three + " line 1: want \"name token\""},
		{"short token", short, short + " line 1: token of a is shorter than 16 characters"},
		{"bad name", badName, badName + " line 1: token name \"a/b\": use letters, digits, '.', '_', '-' or '@'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := api.ReadTokensFile(tc.path); err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestTokensEnv(t *testing.T) {
	toks, err := api.ParseTokensEnv("analyst:0123456789abcdef0, script:fedcba98765432100")
	if err != nil || len(toks) != 2 || toks[0].Name != "analyst" || toks[1].Secret != "fedcba98765432100" {
		t.Errorf("got %+v, %v", toks, err)
	}
	for _, tc := range []struct{ name, env, want string }{
		{"no colon", "analyst", "BIZENV_API_TOKENS item 1: want name:token"},
		{"short", "a:b,c:short", "BIZENV_API_TOKENS item 1: token of a is shorter than 16 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := api.ParseTokensEnv(tc.env); err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
