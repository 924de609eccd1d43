// Package worldbank collects annual indicators from the World Bank
// Indicators API v2 (JSON): https://datahelpdesk.worldbank.org/knowledgebase/articles/898581.
package worldbank

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// perPage is the page size asked for; the API allows more, but pages of
// 1000 keep each answer small.
const perPage = 1000

// maxPages stops a source that never ends.
const maxPages = 1000

// Source is one worldbank collector.
type Source struct {
	name   string
	cfg    config.WorldBankSource
	client *fetch.Client
	logger *slog.Logger
}

// New returns the source of the worldbank collector c.
func New(c config.Source, d kind.Deps) *Source {
	return &Source{name: c.Name, cfg: *c.WorldBank, logger: d.Log(), client: d.Client(c, nil)}
}

// Plan makes one run of all the periods asked for: the API is asked for a
// range of years at once.
func (s *Source) Plan(periods []bizenv.Period) [][]bizenv.Period { return kind.All(periods) }

// Secrets is empty: the API takes no key.
func (s *Source) Secrets() []string { return nil }

// Fetch checks that the catalog can take the configured indicators, then
// gets the range of j (see RangeFor).
func (s *Source) Fetch(ctx context.Context, j kind.Job) (bizenv.Batch, error) {
	if err := s.CheckCatalog(j.Catalog); err != nil {
		return bizenv.Batch{}, err
	}
	return s.FetchRange(ctx, s.RangeFor(j.Periods, j.Scheduled), j.Validator)
}

// Range is what a fetch asks the bank for: the years From to To, or, when
// Latest is above 0, the Latest most recent years that have a value
// (the API's mrnev), whenever they were.
type Range struct {
	From, To int
	Latest   int
}

// RangeFor returns the range to ask for. A scheduled run (scheduled true)
// asks for the configured number of most recent non-empty values: an
// annual series is published a year or more late, and a discontinued one
// (the Doing Business indicators, last published for 2019) has nothing in
// any window up to now. An explicit request (a backfill) keeps the years of
// its periods.
func (s *Source) RangeFor(periods []bizenv.Period, scheduled bool) Range {
	if scheduled {
		return Range{Latest: s.cfg.Years}
	}
	from, to := s.Years(periods)
	return Range{From: from, To: to}
}

func (r Range) query() (key, value string) {
	if r.Latest > 0 {
		return "mrnev", fmt.Sprint(r.Latest)
	}
	return "date", fmt.Sprintf("%d:%d", r.From, r.To)
}

func (r Range) String() string {
	if r.Latest > 0 {
		return fmt.Sprintf("the %d most recent values", r.Latest)
	}
	return fmt.Sprintf("%d to %d", r.From, r.To)
}

// Years returns the range of years to ask for: those of the periods
// given, or, for a single period, the configured number of years up to
// its year.
func (s *Source) Years(periods []bizenv.Period) (from, to int) {
	from, to = periods[0].Year, periods[0].Year
	for _, p := range periods {
		from, to = min(from, p.Year), max(to, p.Year)
	}
	if len(periods) == 1 {
		from = to - s.cfg.Years + 1
	}
	return from, to
}

// CheckCatalog checks that every target indicator is in cat and annual,
// and every target entity exists; targets are written by code, name_zh or
// alias.
func (s *Source) CheckCatalog(cat bizenv.Catalog) error {
	for _, id := range sortedKeys(s.cfg.Indicators) {
		name := s.cfg.Indicators[id]
		ind, err := cat.FindIndicator(name)
		if err != nil {
			return notInCatalog("indicator", id, name, err)
		} else if ind.Frequency != bizenv.Annual {
			return fmt.Errorf("indicator %s maps to %s, which is %s in the catalog; World Bank values are annual: set frequency: annual", id, name, ind.Frequency)
		}
	}
	for _, id := range sortedKeys(s.cfg.Countries) {
		if _, err := cat.FindEntity(s.cfg.Countries[id]); err != nil {
			return notInCatalog("country", id, s.cfg.Countries[id], err)
		}
	}
	return nil
}

// notInCatalog says why the World Bank id of the kind given maps to no
// record of the catalog: err, from FindIndicator or FindEntity.
func notInCatalog(kind, id, name string, err error) error {
	if bizenv.ErrorCode(err) == bizenv.ENOTFOUND {
		return fmt.Errorf("%s %s maps to %s, which is not in the catalog; add it with a catalog file", kind, id, name)
	}
	return fmt.Errorf("%s %s maps to %s: %s", kind, id, name, bizenv.ErrorMessage(err))
}

// FetchRange gets every page of every configured indicator for r, and
// checks each value with v. An indicator for which the bank has no value
// at all in r (a wrong id, a series not kept for these countries) is
// logged and rejected with that reason, so the run says so instead of
// succeeding with nothing.
func (s *Source) FetchRange(ctx context.Context, r Range, v *ingest.Validator) (bizenv.Batch, error) {
	var b bizenv.Batch
	countries := strings.Join(sortedKeys(s.cfg.Countries), ";")
	key, value := r.query()
	record := 0
	for _, id := range sortedKeys(s.cfg.Indicators) {
		values, first := 0, ""
		pages := 1
		for page := 1; page <= pages; page++ {
			if page > maxPages {
				return bizenv.Batch{}, fmt.Errorf("indicator %s: more than %d pages", id, maxPages)
			}
			u := fmt.Sprintf("%s/country/%s/indicator/%s?%s", s.cfg.BaseURL, url.PathEscape(countries), url.PathEscape(id), url.Values{
				"format":   {"json"},
				"per_page": {fmt.Sprint(perPage)},
				key:        {value},
				"page":     {fmt.Sprint(page)},
			}.Encode())
			where := fetch.Redact(u)
			if page == 1 {
				first = where
			}
			body, err := s.client.Get(ctx, u)
			if err != nil {
				return bizenv.Batch{}, err
			}
			rows, n, err := parsePage(body)
			if err != nil {
				return bizenv.Batch{}, fmt.Errorf("GET %s: %w", where, err)
			}
			sum := sha256.Sum256(body)
			b.Payloads = append(b.Payloads, bizenv.Payload{Name: where, SHA256: hex.EncodeToString(sum[:]), Content: body})
			pages = n
			for _, row := range rows {
				record++
				if s.check(&b, v, where, record, id, row) {
					values++
				}
			}
		}
		if values == 0 {
			reason := fmt.Sprintf("indicator %s (%s): the World Bank has no value for %s in %s; check the id, or whether the series is still published",
				id, s.cfg.Indicators[id], countries, r)
			s.logger.Warn("World Bank indicator without values", "indicator", id, "range", r.String())
			b.Rejects = append(b.Rejects, bizenv.Reject{File: first, Record: id, Reason: reason})
		}
	}
	return b, nil
}

// parsePage reads one answer: [meta, rows], [meta, null] for no data, or
// [{"message": [...]}] for an error, which the API sends with status 200.
func parsePage(body []byte) (rows []gjson.Result, pages int, err error) {
	if !gjson.ValidBytes(body) {
		head := strings.ToLower(strings.TrimSpace(string(body[:min(len(body), 100)])))
		if strings.HasPrefix(head, "<") {
			return nil, 0, fmt.Errorf("an HTML or XML page, want JSON")
		}
		return nil, 0, fmt.Errorf("not valid JSON (%d bytes; truncated or malformed)", len(body))
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsArray() {
		return nil, 0, fmt.Errorf("answer is not a JSON array")
	}
	parts := doc.Array()
	if len(parts) == 0 {
		return nil, 0, fmt.Errorf("empty answer")
	}
	if msg := parts[0].Get("message"); msg.Exists() {
		var texts []string
		for _, m := range msg.Array() {
			t := strings.TrimSpace(strings.Join(nonEmpty(m.Get("id").String(), m.Get("key").String()), " "))
			if v := m.Get("value").String(); v != "" {
				t += ": " + v
			}
			texts = append(texts, t)
		}
		return nil, 0, fmt.Errorf("the World Bank API answered with an error: %s", strings.Join(texts, "; "))
	}
	meta := parts[0]
	if !meta.Get("pages").Exists() {
		return nil, 0, fmt.Errorf("answer has no page metadata")
	}
	pages = int(meta.Get("pages").Int()) // a number, or a number in a string
	if len(parts) < 2 || parts[1].Type == gjson.Null {
		return nil, 0, nil
	}
	if !parts[1].IsArray() {
		return nil, 0, fmt.Errorf("second element is not an array of rows")
	}
	return parts[1].Array(), max(pages, 1), nil
}

var yearRE = regexp.MustCompile(`^\d{4}$`)

// check checks one row into b; it is false when the row has no value.
func (s *Source) check(b *bizenv.Batch, v *ingest.Validator, where string, line int, id string, r gjson.Result) bool {
	val := r.Get("value")
	if val.Type == gjson.Null || !val.Exists() {
		return false // the bank has no value for that year
	}
	value := val.Raw
	if val.Type == gjson.String {
		value = val.Str
	}
	country := r.Get("countryiso3code").String()
	entity, ok := s.cfg.Countries[country]
	if !ok {
		entity, ok = s.cfg.Countries[r.Get("country.id").String()]
	}
	if !ok {
		entity = country // rejected as an unknown entity, naming it
	}
	date := r.Get("date").String()
	period := date
	if yearRE.MatchString(date) {
		period = fmt.Sprintf("%s-%02d", date, s.cfg.AnnualMonth)
	}
	obs, ok, reject := v.Check(ingest.Record{
		File: where, Line: line, Raw: r.Raw,
		Period: period, Entity: entity, Indicator: s.cfg.Indicators[id], Value: value,
		Source: "worldbank:" + id, Note: r.Get("obs_status").String(),
	})
	if ok {
		b.Observations = append(b.Observations, obs)
	} else if reject != nil {
		b.Rejects = append(b.Rejects, *reject)
	}
	return true
}

func nonEmpty(s ...string) []string {
	return slices.DeleteFunc(s, func(x string) bool { return x == "" })
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
