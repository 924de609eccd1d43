package fetch_test

import (
	"strings"
	"testing"

	"github.com/bizenv/bizenv/collectors/internal/fetch"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"public parameters kept", "https://p.example/api?month=2021-09&page=2", "https://p.example/api?month=2021-09&page=2"},
		{"other parameters hidden", "https://p.example/api?month=2021-09&access_token=abc123", "https://p.example/api?access_token=xxxxx&month=2021-09"},
		{"user info dropped", "https://user:pw@p.example/api", "https://p.example/api"},
		{"bad URL", "http://[::1", "(bad URL)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fetch.Redact(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	got := fetch.Secrets(map[string]string{"Authorization": "Bearer tok-1234"}, "https://u:pw-5678@h.example/x")
	if want := "Bearer tok-1234,tok-1234,pw-5678"; strings.Join(got, ",") != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
