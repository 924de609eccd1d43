package api

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Token is one bearer token and the name recorded on what it writes.
type Token struct {
	Name   string
	Secret string
}

// minTokenLength keeps guessable tokens out.
const minTokenLength = 16

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)

// ReadTokensFile reads a tokens file; see ParseTokens.
func ReadTokensFile(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseTokens(path, f)
}

// ParseTokens reads lines "name token"; blank lines and lines starting with
// '#' are skipped. Errors name the line, never the token.
func ParseTokens(name string, r io.Reader) ([]Token, error) {
	toks, bad, err := ParseTokensSkipping(name, r)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, bad[0]
	}
	return toks, nil
}

// ParseTokensSkipping is ParseTokens for a file already in use: a bad line
// is skipped, with its error in bad, and the other lines still count. err
// is for a file that cannot be read through.
func ParseTokensSkipping(name string, r io.Reader) (toks []Token, bad []error, err error) {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			bad = append(bad, fmt.Errorf("%s line %d: want \"name token\"", name, n))
			continue
		}
		t, err := newToken(f[0], f[1])
		if err != nil {
			bad = append(bad, fmt.Errorf("%s line %d: %w", name, n, err))
			continue
		}
		toks = append(toks, t)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return toks, bad, nil
}

// ParseTokensEnv reads BIZENV_API_TOKENS: "name:token,name2:token2".
func ParseTokensEnv(s string) ([]Token, error) {
	var out []Token
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, secret, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("BIZENV_API_TOKENS item %d: want name:token", i+1)
		}
		t, err := newToken(name, secret)
		if err != nil {
			return nil, fmt.Errorf("BIZENV_API_TOKENS item %d: %w", i+1, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func newToken(name, secret string) (Token, error) {
	switch {
	case !tokenName.MatchString(name):
		return Token{}, fmt.Errorf("token name %q: use letters, digits, '.', '_', '-' or '@'", name)
	case len(secret) < minTokenLength:
		return Token{}, fmt.Errorf("token of %s is shorter than %d characters", name, minTokenLength)
	}
	return Token{Name: name, Secret: secret}, nil
}
