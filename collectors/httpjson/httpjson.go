// Package httpjson collects indicators from a JSON API: a URL template
// with the period, headers, retries, pagination and gjson paths that map
// each record to an entity, a period and values.
package httpjson

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Source is one http_json collector.
type Source struct {
	name   string
	cfg    config.HTTPJSONSource
	client *fetch.Client
}

// New returns the source of the http_json collector c.
func New(c config.Source, d kind.Deps) *Source {
	return &Source{name: c.Name, cfg: *c.HTTPJSON, client: d.Client(c, c.HTTPJSON.Headers)}
}

// Plan asks the API for one period at a time: each is a run of its own.
func (s *Source) Plan(periods []bizenv.Period) [][]bizenv.Period { return kind.Each(periods) }

// Secrets returns what must never be written anywhere: the header values
// and any password in the URL.
func (s *Source) Secrets() []string { return fetch.Secrets(s.cfg.Headers, s.cfg.URL) }

// Fetch gets every page for each period of j and checks each record with
// j's validator. It returns the batch of good observations, rejects and
// the raw pages; an error means nothing should be stored. While a target
// of the configured values or entity map (by code, name_zh or alias)
// names no indicator or entity of the catalog, nothing is fetched and
// each period's URL gets a reject naming it.
func (s *Source) Fetch(ctx context.Context, j kind.Job) (bizenv.Batch, error) {
	m := s.resolve(j.Validator)
	var all bizenv.Batch
	for _, p := range j.Periods {
		if len(m.problems) > 0 {
			u, err := s.url(p)
			if err != nil {
				return bizenv.Batch{}, err
			}
			for _, r := range m.problems {
				r.File = fetch.Redact(u)
				all.Rejects = append(all.Rejects, r)
			}
			continue
		}
		b, err := s.fetch(ctx, p, m, j.Validator)
		if err != nil {
			return bizenv.Batch{}, err
		}
		all.Observations = append(all.Observations, b.Observations...)
		all.Rejects = append(all.Rejects, b.Rejects...)
		all.Payloads = append(all.Payloads, b.Payloads...)
	}
	return all, nil
}

// mapping is the configured values and entity map with their targets
// resolved to codes through the catalog; problems are the rejects of
// targets that name nothing, or more than one, with no file.
type mapping struct {
	values   []value // in the order of their targets as written
	entities map[string]string
	problems []bizenv.Reject
}

// value is where a record holds the value of an indicator.
type value struct{ indicator, path string }

func (s *Source) resolve(v *ingest.Validator) mapping {
	var m mapping
	m.entities, m.problems = v.ResolveEntities("entity_map", s.cfg.EntityMap)
	for _, name := range slices.Sorted(maps.Keys(s.cfg.Values)) {
		if code, r := v.Indicator(name); r != nil {
			m.problems = append(m.problems, ingest.MappingReject("values", name, *r))
		} else {
			m.values = append(m.values, value{code, s.cfg.Values[name]})
		}
	}
	return m
}

// url returns the URL of period p's first page.
func (s *Source) url(p bizenv.Period) (string, error) {
	var sb strings.Builder
	if err := s.cfg.URLTemplate.Execute(&sb, config.NewURLData(p)); err != nil {
		return "", fmt.Errorf("url template: %v", err)
	}
	return sb.String(), nil
}

// fetch gets every page for period p.
func (s *Source) fetch(ctx context.Context, p bizenv.Period, m mapping, v *ingest.Validator) (bizenv.Batch, error) {
	first, err := s.url(p)
	if err != nil {
		return bizenv.Batch{}, err
	}
	var b bizenv.Batch
	next := first
	page := 0
	if pg := s.cfg.Pagination; pg != nil && pg.Param != "" {
		page = pg.FirstPage
		next = withParam(next, pg.Param, page)
	}
	seen := map[string]bool{}
	record := 0
	for n := 1; next != ""; n++ {
		if pg := s.cfg.Pagination; pg != nil && n > pg.MaxPages {
			return bizenv.Batch{}, fmt.Errorf("more than %d pages; raise pagination.max_pages if that is right", pg.MaxPages)
		}
		if seen[next] {
			return bizenv.Batch{}, fmt.Errorf("page %d links back to %s", n, fetch.Redact(next))
		}
		seen[next] = true
		body, err := s.client.Get(ctx, next)
		if err != nil {
			return bizenv.Batch{}, err
		}
		where := fetch.Redact(next)
		if !gjson.ValidBytes(body) {
			return bizenv.Batch{}, fmt.Errorf("GET %s: %s", where, notJSON(body))
		}
		sum := sha256.Sum256(body)
		b.Payloads = append(b.Payloads, bizenv.Payload{Name: where, SHA256: hex.EncodeToString(sum[:]), Content: body})

		doc := gjson.ParseBytes(body)
		records := doc
		if s.cfg.Records != "" {
			records = doc.Get(s.cfg.Records)
			if !records.Exists() {
				return bizenv.Batch{}, fmt.Errorf("GET %s: no %q in the answer", where, s.cfg.Records)
			}
		}
		if records.Type == gjson.Null {
			records = gjson.Parse("[]")
		}
		if !records.IsArray() {
			return bizenv.Batch{}, fmt.Errorf("GET %s: %q is not an array", where, s.cfg.Records)
		}
		items := records.Array()
		for _, r := range items {
			record++
			s.check(&b, m, v, where, record, r, p)
		}

		next = ""
		switch pg := s.cfg.Pagination; {
		case pg == nil:
		case pg.Next != "":
			if link := doc.Get(pg.Next).String(); link != "" {
				if next, err = resolve(first, link); err != nil {
					return bizenv.Batch{}, fmt.Errorf("GET %s: next page: %v", where, err)
				}
			}
		case len(items) == 0:
		case pg.Pages != "" && page >= int(doc.Get(pg.Pages).Int()):
		default:
			page++
			next = withParam(first, pg.Param, page)
		}
	}
	return b, nil
}

// check turns one JSON record into an observation per mapped value.
func (s *Source) check(b *bizenv.Batch, m mapping, v *ingest.Validator, where string, line int, r gjson.Result, p bizenv.Period) {
	raw := r.Raw
	if len(raw) > 2000 {
		raw = raw[:2000] + "…"
	}
	period := p.String()
	if s.cfg.Period != "" {
		period = scalar(r.Get(s.cfg.Period))
	}
	entity := scalar(r.Get(s.cfg.Entity))
	if code, ok := m.entities[entity]; ok {
		entity = code
	}
	for _, val := range m.values {
		obs, ok, reject := v.Check(ingest.Record{
			File: where, Line: line, Raw: raw,
			Period: period, Entity: entity, Indicator: val.indicator,
			Value:  scalar(r.Get(val.path)),
			Source: s.name,
		})
		if ok {
			b.Observations = append(b.Observations, obs)
		} else if reject != nil {
			b.Rejects = append(b.Rejects, *reject)
		}
	}
}

// scalar returns a JSON value as the text the validator parses: strings
// as they are, numbers as written, null and missing as "" (no value).
// Objects and arrays come back as JSON, which the validator rejects.
func scalar(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return ""
	case gjson.String:
		return r.Str
	}
	return r.Raw
}

// notJSON describes a body that is not JSON, without quoting much of it.
func notJSON(body []byte) string {
	head := strings.TrimSpace(string(body[:min(len(body), 200)]))
	switch {
	case len(body) == 0:
		return "empty answer, want JSON"
	case strings.HasPrefix(strings.ToLower(head), "<!doctype html") || strings.HasPrefix(strings.ToLower(head), "<html"):
		return "an HTML page, want JSON"
	}
	for len(head) > 40 || !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	return fmt.Sprintf("not valid JSON (%d bytes; truncated or malformed; starts %q)", len(body), head)
}

func withParam(u, param string, page int) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set(param, strconv.Itoa(page))
	p.RawQuery = q.Encode()
	return p.String()
}

// resolve makes a next-page link absolute against the first page's URL,
// and refuses one on another host, which would be sent the headers.
func resolve(base, link string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	l, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("bad link")
	}
	r := b.ResolveReference(l)
	if r.Host != b.Host || (r.Scheme != "http" && r.Scheme != "https") {
		return "", fmt.Errorf("link to another host %s refused", r.Host)
	}
	return r.String(), nil
}
