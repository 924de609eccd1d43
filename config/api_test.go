package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bizenv/bizenv/config"
)

func TestAPIConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "tokens")
	os.WriteFile(good, []byte("# who token\nanalyst 0123456789abcdef0\n\nscript  fedcba98765432100\n"), 0o600)
	c, err := config.Parse("t.yml", []byte("api: {tokens_file: "+good+"}\n"), getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.API.MaxBodyBytes, int64(32<<20); got != want {
		t.Errorf("max body: got %d, want %d", got, want)
	}
	toks, err := config.ReadTokensFile(good)
	if err != nil || len(toks) != 2 || toks[1].Name != "script" || toks[1].Secret != "fedcba98765432100" {
		t.Errorf("got %+v, %v", toks, err)
	}
}

func TestAPIConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		return p
	}
	three := write("three", "a b c\n")
	short := write("short", "a short\n")
	badName := write("badname", "a/b 0123456789abcdef0\n")
	for _, tc := range []struct{ name, api, want string }{
		{"negative", "{max_body_bytes: -1}", "config t.yml: api.max_body_bytes: must not be negative"},
		{"missing file", "{tokens_file: /nonexistent}", "config t.yml: api.tokens_file: open /nonexistent: no such file or directory"},
		{"three fields", "{tokens_file: " + three + "}", "config t.yml: api.tokens_file: " + three + " line 1: want \"name token\""},
		{"short token", "{tokens_file: " + short + "}", "config t.yml: api.tokens_file: " + short + " line 1: token of a is shorter than 16 characters"},
		{"bad name", "{tokens_file: " + badName + "}", "config t.yml: api.tokens_file: " + badName + " line 1: token name \"a/b\": use letters, digits, '.', '_', '-' or '@'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("t.yml", []byte("api: "+tc.api+"\n"), getenv(nil))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestTokensEnv(t *testing.T) {
	toks, err := config.ParseTokensEnv("analyst:0123456789abcdef0, script:fedcba98765432100")
	if err != nil || len(toks) != 2 || toks[0].Name != "analyst" || toks[1].Secret != "fedcba98765432100" {
		t.Errorf("got %+v, %v", toks, err)
	}
	for _, tc := range []struct{ name, env, want string }{
		{"no colon", "analyst", "BIZENV_API_TOKENS item 1: want name:token"},
		{"short", "a:b,c:short", "BIZENV_API_TOKENS item 1: token of a is shorter than 16 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := config.ParseTokensEnv(tc.env); err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
