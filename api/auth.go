package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/bizenv/bizenv"
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
	static []Token
	path   string
	logger *slog.Logger

	mu         sync.Mutex
	sum        [sha256.Size]byte // of the file's content when file was parsed
	file       []Token           // nil until the file is parsed
	unreadable bool              // the last read failed, and was logged
}

// maxTokensFileBytes bounds the tokens file read on each write request.
const maxTokensFileBytes = 1 << 20

// NewTokens returns the tokens of static and of the file at path ("" for
// none). Lines of the file it cannot use are logged to logger (nil for
// none) and skipped.
func NewTokens(static []Token, path string, logger *slog.Logger) *Tokens {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Tokens{static: static, path: path, logger: logger}
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

// fileTokens returns the file's tokens, parsing it again when its content
// changed: size and modification time can stay the same when a file is
// rotated, and the file is small. A file that cannot be read grants
// nothing; a bad line is logged once and skipped, and the other lines keep
// their tokens.
func (t *Tokens) fileTokens() []Token {
	if t.path == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	content, err := readTokensFile(t.path)
	if err != nil {
		if !t.unreadable {
			t.logger.Error("tokens file unreadable: no token from it is accepted", "err", err)
		}
		t.file, t.unreadable = nil, true
		return nil
	}
	t.unreadable = false
	sum := sha256.Sum256(content)
	if t.file != nil && sum == t.sum {
		return t.file
	}
	toks, bad, err := ParseTokensSkipping(t.path, bytes.NewReader(content))
	if err != nil {
		t.logger.Error("tokens file unreadable: no token from it is accepted", "err", err)
		toks = []Token{}
	}
	for _, e := range bad {
		t.logger.Error("tokens file: line skipped", "err", e)
	}
	if toks == nil {
		toks = []Token{}
	}
	t.file, t.sum = toks, sum
	return t.file
}

// readTokensFile reads the file at path, refusing one larger than
// maxTokensFileBytes.
func readTokensFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTokensFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxTokensFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxTokensFileBytes)
	}
	return b, nil
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
			s.error(w, r, bizenv.Errorf(bizenv.EUNAUTHORIZED, "this request needs an Authorization: Bearer token").
				ZH("此请求需要令牌：请在请求头中加上 Authorization: Bearer <令牌>"))
			return
		}
		name, ok := s.cfg.Tokens.Lookup(strings.TrimSpace(secret))
		if !ok {
			s.error(w, r, bizenv.Errorf(bizenv.EUNAUTHORIZED, "unknown or revoked token").ZH("令牌无效或已被吊销"))
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
			s.error(w, r, bizenv.Errorf(bizenv.ETOOLARGE, "request body is larger than %d bytes", s.cfg.MaxBodyBytes).
				ZH("请求体超过上限 %d 字节", s.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}
