// Package fetch gets bodies over HTTP for the collectors: a timeout on
// every attempt, retries with exponential backoff on network errors and
// 5xx answers, a body size limit, redirects followed only on the same
// host, and errors that carry no secret.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
)

// DefaultMaxBytes is the largest body a collector reads: 32 MiB.
const DefaultMaxBytes = 32 << 20

// Client gets URLs. Its zero value is not usable; set at least Timeout.
type Client struct {
	HTTP     *http.Client      // http.DefaultClient when nil
	Headers  map[string]string // sent with every request; values are secrets
	Timeout  time.Duration     // per attempt
	Retries  int               // attempts after the first
	Backoff  time.Duration     // wait before the first retry, doubled after each; default 1s
	MaxBytes int64             // DefaultMaxBytes when 0
	Logger   *slog.Logger
}

// StatusError is an answer with a status other than 2xx.
type StatusError struct {
	URL    string // redacted
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Get fetches u and returns its body. Network errors, timeouts and 5xx
// answers are retried; other failures are not. Errors name the URL without
// its query and user info (see Redact) and never the header values.
func (c *Client) Get(ctx context.Context, u string) ([]byte, error) {
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = time.Second
	}
	var err error
	for attempt := 0; ; attempt++ {
		var body []byte
		var retry bool
		body, retry, err = c.get(ctx, u)
		if err == nil {
			return body, nil
		}
		if !retry {
			return nil, err
		}
		if attempt >= c.Retries || ctx.Err() != nil {
			if attempt > 0 {
				err = fmt.Errorf("%w (gave up after %d attempts)", err, attempt+1)
			}
			return nil, err
		}
		if c.Logger != nil {
			c.Logger.Warn("fetch failed, retrying", "url", Redact(u), "attempt", attempt+1, "wait", backoff, "err", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("GET %s: %w", Redact(u), ctx.Err())
		case <-t.C:
		}
		backoff *= 2
	}
}

// get makes one attempt. retry says whether a failure may pass on a retry.
func (c *Client) get(ctx context.Context, u string) (body []byte, retry bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, fmt.Errorf("GET %s: bad URL", Redact(u))
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = sameHost
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error quotes the full URL; keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var re *redirectError
		if errors.As(err, &re) {
			return nil, false, fmt.Errorf("GET %s: %v", Redact(u), err)
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s", c.Timeout)
		}
		return nil, true, fmt.Errorf("GET %s: %v", Redact(u), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return nil, retry, &StatusError{URL: Redact(u), Status: resp.StatusCode}
	}
	max := c.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if resp.ContentLength > max {
		return nil, false, bizenv.Errorf(bizenv.ETOOLARGE, "GET %s: body of %d bytes is larger than the limit of %d", Redact(u), resp.ContentLength, max).
			ZH("GET %s：响应体为 %d 字节，超过上限 %d 字节", Redact(u), resp.ContentLength, max)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %s", c.Timeout)
		}
		return nil, true, fmt.Errorf("GET %s: reading body: %v", Redact(u), err)
	}
	if int64(len(body)) > max {
		return nil, false, bizenv.Errorf(bizenv.ETOOLARGE, "GET %s: body larger than the limit of %d bytes", Redact(u), max).
			ZH("GET %s：响应体超过上限 %d 字节", Redact(u), max)
	}
	return body, false, nil
}

// maxRedirects is how many redirects one attempt follows, as net/http does.
const maxRedirects = 10

// redirectError is a redirect not followed.
type redirectError struct{ reason string }

func (e *redirectError) Error() string { return e.reason }

// sameHost follows a redirect only to the host and port of the request
// it answers. net/http copies every header onto a redirect and strips only
// Authorization and cookies when the domain changes, so a configured
// X-Api-Key would reach whatever host a compromised or misconfigured
// upstream names; refusing the redirect also keeps a pagination link's
// same-host rule from being undone by a 302. The one change allowed is
// http to https on the same host name and default ports.
func sameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return &redirectError{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	from, to := via[0].URL, req.URL
	switch {
	case to.Scheme != "http" && to.Scheme != "https":
		return &redirectError{fmt.Sprintf("redirect to a %s URL refused", to.Scheme)}
	case from.Scheme == "https" && to.Scheme == "http":
		return &redirectError{"redirect from https to http refused: the headers would travel in clear"}
	case hostPort(from) == hostPort(to):
		return nil
	case from.Scheme == "http" && to.Scheme == "https" && strings.EqualFold(from.Hostname(), to.Hostname()) &&
		from.Port() == "" && to.Port() == "":
		return nil
	}
	return &redirectError{fmt.Sprintf("redirect to another host (%s) refused: the request's headers are sent only to the configured host", to.Host)}
}

// hostPort is u's host name in lower case and its port, the scheme's
// default when u names none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// Redact returns u without user info and with every query value replaced
// by "xxxxx" except the ones that are plainly not secret (dates, pages,
// formats), for errors, logs and reject records.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(bad URL)"
	}
	p.User = nil
	q := p.Query()
	for k, vs := range q {
		if !publicParam(k) {
			for i := range vs {
				vs[i] = "xxxxx"
			}
		}
	}
	p.RawQuery = q.Encode()
	p.Fragment = ""
	return p.String()
}

func publicParam(k string) bool {
	switch strings.ToLower(k) {
	case "format", "per_page", "page", "pagesize", "page_size", "limit", "offset",
		"date", "month", "period", "year", "from", "to", "start", "end":
		return true
	}
	return false
}

// Secrets returns the header values, and the password of u if it has one:
// what a caller scrubs from any message it did not build itself.
func Secrets(headers map[string]string, urls ...string) []string {
	var s []string
	for _, v := range headers {
		if v = strings.TrimSpace(v); v != "" {
			s = append(s, v)
			// "Bearer TOKEN": the token alone may be quoted too.
			if _, tok, ok := strings.Cut(v, " "); ok && len(tok) >= 4 {
				s = append(s, tok)
			}
		}
	}
	for _, u := range urls {
		if p, err := url.Parse(u); err == nil && p.User != nil {
			if pw, ok := p.User.Password(); ok && pw != "" {
				s = append(s, pw)
			}
		}
	}
	return s
}
