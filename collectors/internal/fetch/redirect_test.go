package fetch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/collectors/internal/fetch/fetchtest"
)

const apiKey = "k3y-0f-the-bureau"

func TestRedirects(t *testing.T) {
	other := fetchtest.NewElsewhere(t, `{"data":[]}`)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal?x=1", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusMovedPermanently)
		case "/here":
			if r.Header.Get("X-Api-Key") != apiKey {
				http.Error(w, "no key", http.StatusForbidden)
				return
			}
			w.Write([]byte(`ok`))
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()
	// The caller's client may follow any redirect; the fetcher must not.
	permissive := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	c := &fetch.Client{HTTP: permissive, Headers: map[string]string{"X-Api-Key": apiKey, "Authorization": "Bearer " + apiKey},
		Timeout: 5 * time.Second, Retries: 2, Backoff: time.Millisecond}

	t.Run("another host", func(t *testing.T) {
		u := origin.URL + "/away"
		_, err := c.Get(context.Background(), u)
		if n := other.Asked(); n != 0 {
			t.Errorf("the other host was asked %d times", n)
		}
		if err == nil {
			t.Fatal("got no error, want the redirect refused")
		}
		if want := "GET " + origin.URL + "/away: redirect to another host (" + other.Host() + ") refused"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %q, want it to start %q", err, want)
		}
		if strings.Contains(err.Error(), apiKey) || strings.Contains(err.Error(), "attempts") {
			t.Errorf("error %q names the key or was retried", err)
		}
	})
	t.Run("https to http", func(t *testing.T) {
		secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/plain", http.StatusFound)
		}))
		defer secure.Close()
		c := &fetch.Client{HTTP: secure.Client(), Headers: map[string]string{"X-Api-Key": apiKey}, Timeout: 5 * time.Second}
		u := secure.URL + "/api"
		_, err := c.Get(context.Background(), u)
		if n := other.Asked(); n != 0 {
			t.Errorf("the plain server was asked %d times", n)
		}
		if want := "GET " + secure.URL + "/api: redirect from https to http refused: the headers would travel in clear"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("same host", func(t *testing.T) {
		u := origin.URL + "/moved"
		body, err := c.Get(context.Background(), u)
		if err != nil || string(body) != "ok" {
			t.Errorf("got %q, %v, want ok", body, err)
		}
	})
	t.Run("loop", func(t *testing.T) {
		u := origin.URL + "/loop"
		_, err := c.Get(context.Background(), u)
		if want := "GET " + origin.URL + "/loop: stopped after 10 redirects"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}
