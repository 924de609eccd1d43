// Package tabular collects indicators from CSV and XLSX files: a drop
// folder matched by a glob, or a file at a URL. Files come in the long
// layout of `bizenv import` or the wide layout of published notices (one
// row per entity, one column per indicator, a title row above the header).
// A file whose content was stored by an earlier run is skipped; files are
// never deleted or moved.
package tabular

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Source is one tabular collector.
type Source struct {
	name   string
	cfg    config.Tabular
	client *fetch.Client
	logger *slog.Logger
}

// Options are what New needs besides the configuration.
type Options struct {
	HTTP    *http.Client
	Backoff time.Duration
	Logger  *slog.Logger
}

// New returns the source of the collector name configured by cfg, which
// config has validated.
func New(name string, cfg config.Tabular, opts Options) *Source {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{name: name, cfg: cfg, logger: logger, client: &fetch.Client{
		HTTP: opts.HTTP, Headers: cfg.Headers, Timeout: cfg.TimeoutDuration, Retries: 3,
		Backoff: opts.Backoff, MaxBytes: ingest.DefaultMaxBytes, Logger: opts.Logger,
	}}
}

// Secrets returns the header values and any password in the URL.
func (s *Source) Secrets() []string { return fetch.Secrets(s.cfg.Headers, s.cfg.URL) }

// Stored reports whether a file with this content (hex SHA-256) was stored
// by an earlier successful run of the collector.
type Stored func(ctx context.Context, sha256 string) (bool, error)

// file is one input file as read.
type file struct {
	name    string // path, or the URL as redacted
	base    string // the file name, for the format and the period pattern
	content []byte
	sum     string
}

// Fetch reads the files that are new since the last successful run and
// checks their records with v, mapping entity names with the catalog's
// Chinese names where the configured map has none. A file that cannot be
// used is rejected as a whole. If the configuration is what does not fit it
// (no header row with the configured names, no period in its name), its
// content is not kept, so that it is read again once the configuration is
// fixed; a file that cannot be read at all (not CSV or XLSX, too large) is
// kept like any other, and so not read again until it changes.
func (s *Source) Fetch(ctx context.Context, cat bizenv.Catalog, v *ingest.Validator, stored Stored) (bizenv.Batch, error) {
	files, err := s.files(ctx)
	if err != nil {
		return bizenv.Batch{}, err
	}
	names := map[string]string{}
	for _, e := range cat.Entities {
		names[e.NameZH] = e.Code
	}
	var b bizenv.Batch
	seen := map[string]bool{}
	for _, f := range files {
		if seen[f.sum] {
			s.logger.Info("file has the same content as another; skipped", "file", f.name)
			continue
		}
		seen[f.sum] = true
		done, err := stored(ctx, f.sum)
		if err != nil {
			return bizenv.Batch{}, err
		}
		if done {
			s.logger.Debug("file already stored; skipped", "file", f.name, "sha256", f.sum)
			continue
		}
		obs, rejects, err := s.parse(f, names, v)
		if err != nil {
			b.Rejects = append(b.Rejects, bizenv.Reject{File: f.name, Reason: bizenv.ErrorMessage(err)})
			var unreadable *unreadableError
			if errors.As(err, &unreadable) {
				b.Payloads = append(b.Payloads, bizenv.Payload{Name: f.name, SHA256: f.sum, Content: f.content})
			}
			continue
		}
		s.logger.Info("file read", "file", f.name, "observations", len(obs), "rejected", len(rejects))
		b.Observations = append(b.Observations, obs...)
		b.Rejects = append(b.Rejects, rejects...)
		b.Payloads = append(b.Payloads, bizenv.Payload{Name: f.name, SHA256: f.sum, Content: f.content})
	}
	return b, nil
}

// files reads the files the collector looks at, in name order.
func (s *Source) files(ctx context.Context) ([]file, error) {
	if s.cfg.URL != "" {
		body, err := s.client.Get(ctx, s.cfg.URL)
		if err != nil {
			return nil, err
		}
		base := "download"
		if u, err := url.Parse(s.cfg.URL); err == nil {
			base = path.Base(u.Path)
		}
		return []file{newFile(fetch.Redact(s.cfg.URL), base, body)}, nil
	}
	paths, err := filepath.Glob(s.cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("path %s: %v", s.cfg.Path, err)
	}
	slices.Sort(paths)
	var files []file
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		} else if !st.Mode().IsRegular() || strings.HasPrefix(filepath.Base(p), "~$") {
			continue // folders, and the lock files Excel leaves next to open workbooks
		}
		content, err := readFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, newFile(p, filepath.Base(p), content))
	}
	return files, nil
}

func readFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, ingest.DefaultMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > ingest.DefaultMaxBytes {
		return nil, bizenv.Errorf(bizenv.ETOOLARGE, "%s: larger than %d bytes", p, ingest.DefaultMaxBytes)
	}
	return b, nil
}

func newFile(name, base string, content []byte) file {
	sum := sha256.Sum256(content)
	return file{name: name, base: base, content: content, sum: hex.EncodeToString(sum[:])}
}

// parse reads one file in the configured layout.
func (s *Source) parse(f file, names map[string]string, v *ingest.Validator) ([]bizenv.Observation, []bizenv.Reject, error) {
	// The name carries the extension ReadTable tells CSV from XLSX by.
	t, err := ingest.ReadTable(f.base, bytes.NewReader(f.content), ingest.ReadOptions{Sheet: s.cfg.Sheet, MaxRows: MaxRows})
	if err != nil {
		if s.cfg.Sheet != "" && strings.Contains(bizenv.ErrorMessage(err), fmt.Sprintf(": no sheet %q", s.cfg.Sheet)) {
			return nil, nil, err // the configured sheet is missing: a fix of the configuration may do
		}
		return nil, nil, &unreadableError{err}
	}
	entity := func(name string) string {
		name = strings.TrimSpace(name)
		if code, ok := s.cfg.Entity.Map[name]; ok {
			return code
		} else if code, ok := names[name]; ok {
			return code
		}
		return name
	}
	var (
		observations []bizenv.Observation
		rejects      []bizenv.Reject
	)
	check := func(r ingest.Record) {
		r.File = f.name
		if r.Source == "" {
			r.Source = f.base
		}
		if obs, ok, reject := v.Check(r); ok {
			observations = append(observations, obs)
		} else if reject != nil {
			rejects = append(rejects, *reject)
		}
	}

	if s.cfg.Layout == "long" {
		head, cols, err := ingest.FindHeader(t, []string{"period", "entity", "indicator", "value"})
		if err != nil {
			return nil, nil, err
		}
		extra := optionalColumns(t.Rows[head], "source", "note")
		for _, r := range t.Rows[head+1:] {
			if r.Blank() {
				continue
			}
			check(ingest.Record{
				Line: r.Line, Raw: r.Raw,
				Period: r.Cell(cols["period"]), Entity: entity(r.Cell(cols["entity"])),
				Indicator: r.Cell(cols["indicator"]), Value: r.Cell(cols["value"]),
				Source: r.Cell(extra["source"]), Note: r.Cell(extra["note"]),
			})
		}
		return observations, rejects, nil
	}

	period := ""
	switch {
	case s.cfg.Period.Value != "":
		period = s.cfg.FixedPeriod.String()
	case s.cfg.FilenameRE != nil:
		p, err := periodFromName(s.cfg.FilenameRE, f.base)
		if err != nil {
			return nil, nil, err
		}
		period = p.String()
	}
	want := []string{s.cfg.Entity.Column}
	if s.cfg.Period.Column != "" {
		want = append(want, s.cfg.Period.Column)
	}
	headers := make([]string, 0, len(s.cfg.Columns))
	for h := range s.cfg.Columns {
		headers = append(headers, h)
	}
	slices.Sort(headers)
	want = append(want, headers...)
	head, cols, err := ingest.FindHeader(t, want)
	if err != nil {
		return nil, nil, err
	}
	// Indicators in the order of their columns, as a reader sees them.
	slices.SortFunc(headers, func(a, b string) int { return cols[a] - cols[b] })
	for _, r := range t.Rows[head+1:] {
		if r.Blank() {
			continue
		}
		p := period
		if s.cfg.Period.Column != "" {
			p = r.Cell(cols[s.cfg.Period.Column])
		}
		e := entity(r.Cell(cols[s.cfg.Entity.Column]))
		for _, h := range headers {
			check(ingest.Record{
				Line: r.Line, Raw: r.Raw,
				Period: p, Entity: e, Indicator: s.cfg.Columns[h], Value: r.Cell(cols[h]),
			})
		}
	}
	return observations, rejects, nil
}

// periodFromName takes the period from a file name: two groups are year
// and month, one group or the whole match is a period in any form
// ingest.ParsePeriod reads.
func periodFromName(re *regexp.Regexp, name string) (bizenv.Period, error) {
	m := re.FindStringSubmatch(name)
	if m == nil {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "file name %s has no period: it does not match period.filename", name)
	}
	var text string
	switch re.NumSubexp() {
	case 0:
		text = m[0]
	case 1:
		text = m[1]
	default:
		text = m[1] + "年" + m[2] + "月"
	}
	p, err := ingest.ParsePeriod(text)
	if err != nil {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "file name %s: %s", name, bizenv.ErrorMessage(err))
	}
	return p, nil
}

// optionalColumns finds the columns of names in the header row, if any.
func optionalColumns(r ingest.Row, names ...string) map[string]int {
	cols := map[string]int{}
	for _, n := range names {
		cols[n] = -1
		for i := range r.Cells {
			if strings.EqualFold(r.Cell(i), n) {
				cols[n] = i
				break
			}
		}
	}
	return cols
}

// unreadableError is a file that no configuration can read.
type unreadableError struct{ error }

func (e *unreadableError) Unwrap() error { return e.error }

// MaxRows bounds the rows of one file. A monthly notice has dozens and a
// long-format backfill thousands; a file of hundreds of thousands is a
// mistake, refused before it takes minutes and gigabytes to read.
const MaxRows = 200_000
