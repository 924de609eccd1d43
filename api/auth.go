package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
)

// TokenSource says whose a bearer token is.
type TokenSource interface {
	// Lookup returns the name of the token secret, and whether it is one.
	Lookup(secret string) (name string, ok bool)
}

// Tokens is a TokenSource of fixed tokens (from the environment) and a
// tokens file that is read again whenever it changes, so that removing a
// line revokes its token at once.
type Tokens struct {
	static []config.Token
	path   string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	file    []config.Token
}

// NewTokens returns the tokens of static and of the file at path ("" for
// none).
func NewTokens(static []config.Token, path string) *Tokens {
	return &Tokens{static: static, path: path}
}

// Lookup compares secret with every token in constant time, so the time it
// takes tells nothing about how close a guess was.
func (t *Tokens) Lookup(secret string) (string, bool) {
	want := sha256.Sum256([]byte(secret))
	name, found := "", 0
	// Concat, not append: two requests must not share static's spare capacity.
	for _, tok := range slices.Concat(t.static, t.fileTokens()) {
		got := sha256.Sum256([]byte(tok.Secret))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && found == 0 {
			name, found = tok.Name, 1
		}
	}
	return name, found == 1
}

// fileTokens returns the file's tokens, reading it again when its size or
// time changed. A file that cannot be read grants nothing.
func (t *Tokens) fileTokens() []config.Token {
	if t.path == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fi, err := os.Stat(t.path)
	if err != nil {
		t.file, t.modTime, t.size = nil, time.Time{}, 0
		return nil
	}
	if fi.ModTime().Equal(t.modTime) && fi.Size() == t.size && t.file != nil {
		return t.file
	}
	toks, err := config.ReadTokensFile(t.path)
	if err != nil {
		toks = []config.Token{} // unreadable or invalid: no token from it
	}
	t.file, t.modTime, t.size = toks, fi.ModTime(), fi.Size()
	return t.file
}

type actorKey struct{}

// actor returns the name of the token that authorised r.
func actor(ctx context.Context) string {
	name, _ := ctx.Value(actorKey{}).(string)
	return name
}

// authorize lets through requests with a known bearer token, the token's
// name in their context.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			s.error(w, r, bizenv.Errorf(bizenv.EUNAUTHORIZED, "this request needs an Authorization: Bearer token"))
			return
		}
		name, ok := s.cfg.Tokens.Lookup(strings.TrimSpace(secret))
		if !ok {
			s.error(w, r, bizenv.Errorf(bizenv.EUNAUTHORIZED, "unknown or revoked token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, name)))
	})
}

// limitBody refuses bodies over the limit: at once when the length is
// declared, else when reading passes it.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.error(w, r, bizenv.Errorf(bizenv.ETOOLARGE, "request body is larger than %d bytes", s.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}
