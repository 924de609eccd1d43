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
}

func TestAPIConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, api, want string }{
		{"negative", "{max_body_bytes: -1}", "config t.yml: api.max_body_bytes: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("t.yml", []byte("api: "+tc.api+"\n"), getenv(nil))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}
