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
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/internal/fetch"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/ingest"
)

// Source is one tabular collector.
type Source struct {
	name   string
	cfg    config.TabularSource
	client *fetch.Client
	logger *slog.Logger

	mu    sync.Mutex
	known map[string]fileState // drop folder files hashed before, by path
}

// fileState is what a drop folder file was when it was last hashed: a file
// of the same size and modification time is taken to be unchanged, and is
// not read again to learn its hash.
type fileState struct {
	size    int64
	modTime time.Time
	sum     string
	// unreadable is why no configuration can read the file, once parsing
	// it has failed for that reason.
	unreadable error
}

// New returns the source of the tabular collector c.
func New(c config.Source, d kind.Deps) *Source {
	client := d.Client(c, c.Tabular.Headers)
	client.MaxBytes = ingest.DefaultMaxBytes
	return &Source{name: c.Name, cfg: *c.Tabular, logger: d.Log(), known: map[string]fileState{}, client: client}
}

// Plan makes one run: the files name their periods.
func (s *Source) Plan(periods []bizenv.Period) [][]bizenv.Period { return kind.InData(periods) }

// Secrets returns the header values and any password in the URL.
func (s *Source) Secrets() []string { return fetch.Secrets(s.cfg.Headers, s.cfg.URL) }

// file is one input file as read.
type file struct {
	name    string // path, or the URL as redacted
	base    string // the file name, for the format and the period pattern
	content []byte
	sum     string
}

// Fetch reads the files that are new since the last successful run (see
// j.Stored) and checks their records with j's validator, mapping entity
// names with the configured map; the validator takes any other entity or
// indicator by code, name_zh or alias, as the targets of the configured
// columns and entity map are. A file that cannot be used is
// rejected as a whole, and the others are still read. Only the content of
// files that were read as tables is kept: a file that the configuration
// does not fit (no header row with the configured names, no period in its
// name) is read again once the configuration is fixed, and one that no
// configuration can read (not CSV or XLSX, too large, not a regular file
// in the folder) is rejected on every run until it is removed, without its
// content ever being stored. While a target of the configured mapping
// names no indicator or entity of the catalog, each new file is rejected
// naming it, and read once the configuration or the catalog is fixed.
func (s *Source) Fetch(ctx context.Context, j kind.Job) (bizenv.Batch, error) {
	v, stored := j.Validator, j.Stored
	m := s.resolve(v)
	var b bizenv.Batch
	seen := map[string]bool{}
	// skip says whether a file with content sum need not be read.
	skip := func(name, sum string) (bool, error) {
		if seen[sum] {
			s.logger.Info("file has the same content as another; skipped", "file", name)
			return true, nil
		}
		seen[sum] = true
		done, err := stored(ctx, sum)
		if done {
			s.logger.Debug("file already stored; skipped", "file", name, "sha256", sum)
		}
		return done, err
	}
	// use parses a file read in full, and says why no configuration can
	// read it, if that is why it failed.
	use := func(f file) error {
		if len(m.problems) > 0 {
			for _, r := range m.problems {
				r.File = f.name
				b.Rejects = append(b.Rejects, r)
			}
			return nil
		}
		obs, rejects, err := s.parse(f, m, v)
		if err != nil {
			b.Rejects = append(b.Rejects, bizenv.Reject{File: f.name, Reason: bizenv.ErrorMessage(err)})
			var unreadable *unreadableError
			if errors.As(err, &unreadable) {
				return err
			}
			return nil
		}
		s.logger.Info("file read", "file", f.name, "observations", len(obs), "rejected", len(rejects))
		b.Observations = append(b.Observations, obs...)
		b.Rejects = append(b.Rejects, rejects...)
		b.Payloads = append(b.Payloads, bizenv.Payload{Name: f.name, SHA256: f.sum, Content: f.content})
		return nil
	}

	if s.cfg.URL != "" {
		body, err := s.client.Get(ctx, s.cfg.URL)
		if err != nil {
			return bizenv.Batch{}, err
		}
		base := "download"
		if u, err := url.Parse(s.cfg.URL); err == nil {
			base = path.Base(u.Path)
		}
		f := newFile(fetch.Redact(s.cfg.URL), base, body)
		if done, err := skip(f.name, f.sum); err != nil || done {
			return b, err
		}
		use(f)
		return b, nil
	}

	paths, err := filepath.Glob(s.cfg.Path)
	if err != nil {
		return bizenv.Batch{}, fmt.Errorf("path %s: %v", s.cfg.Path, err)
	}
	slices.Sort(paths)
	s.mu.Lock()
	defer s.mu.Unlock()
	present := map[string]bool{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return bizenv.Batch{}, err
		}
		if strings.HasPrefix(filepath.Base(p), "~$") {
			continue // the lock files Excel leaves next to open workbooks
		}
		present[p] = true
		st, err := s.entry(p)
		if err != nil {
			b.Rejects = append(b.Rejects, bizenv.Reject{File: p, Reason: bizenv.ErrorMessage(err)})
			continue
		} else if st == nil {
			continue // a folder
		}
		known, ok := s.known[p]
		if !ok || known.size != st.Size() || !known.modTime.Equal(st.ModTime()) {
			sum, st, err := hashFile(p, st)
			if err != nil {
				b.Rejects = append(b.Rejects, bizenv.Reject{File: p, Reason: bizenv.ErrorMessage(err)})
				delete(s.known, p)
				continue
			}
			known = fileState{size: st.Size(), modTime: st.ModTime(), sum: sum}
			s.known[p] = known
		}
		if known.unreadable != nil {
			b.Rejects = append(b.Rejects, bizenv.Reject{File: p, Reason: bizenv.ErrorMessage(known.unreadable)})
			continue
		}
		if done, err := skip(p, known.sum); err != nil {
			return bizenv.Batch{}, err
		} else if done {
			continue
		}
		content, err := readFile(p, st)
		if err != nil {
			b.Rejects = append(b.Rejects, bizenv.Reject{File: p, Reason: bizenv.ErrorMessage(err)})
			delete(s.known, p)
			continue
		}
		f := newFile(p, filepath.Base(p), content)
		if f.sum != known.sum {
			// Changed since it was hashed: its state is learnt again on
			// the next run.
			delete(s.known, p)
			if done, err := skip(p, f.sum); err != nil {
				return bizenv.Batch{}, err
			} else if done {
				continue
			}
		}
		if err := use(f); err != nil && f.sum == known.sum {
			known.unreadable = err
			s.known[p] = known
		}
	}
	for p := range s.known {
		if !present[p] {
			delete(s.known, p)
		}
	}
	return b, nil
}

// entry checks that the glob match p is a regular file inside the folder
// the pattern names, and returns its Lstat; nil for a folder, which the
// pattern may match and which is passed over. A symbolic link is refused
// wherever it points, as is a match reached through a linked folder below
// the pattern's fixed part: a link could lead out of the folder, to a file
// the uploader cannot read but bizenv can.
func (s *Source) entry(p string) (os.FileInfo, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return nil, cannotRead(p, err)
	}
	switch {
	case st.Mode()&os.ModeSymlink != 0:
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: a symbolic link; only regular files in the folder are read", p).
			ZH("%s 是符号链接：只读取文件夹中的普通文件", p)
	case st.IsDir():
		return nil, nil
	case !st.Mode().IsRegular():
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: not a regular file", p).ZH("%s 不是普通文件", p)
	case st.Size() > ingest.DefaultMaxBytes:
		return nil, bizenv.Errorf(bizenv.ETOOLARGE, "%s: %d bytes, larger than the limit of %d", p, st.Size(), ingest.DefaultMaxBytes).
			ZH("%s：%d 字节，超过上限 %d 字节", p, st.Size(), ingest.DefaultMaxBytes)
	}
	base := fixedDir(s.cfg.Path)
	rel, err := filepath.Rel(base, filepath.Dir(p))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, bizenv.Errorf(bizenv.EINVALID, "%s: not inside %s", p, base).ZH("%s 不在文件夹 %s 之内", p, base)
	}
	dir := base
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." {
			continue
		}
		dir = filepath.Join(dir, part)
		if d, err := os.Lstat(dir); err != nil || d.Mode()&os.ModeSymlink != 0 {
			return nil, bizenv.Errorf(bizenv.EINVALID, "%s: in %s, a symbolic link; only files inside %s are read", p, dir, base).
				ZH("%s：所在目录 %s 是符号链接；只读取 %s 之内的文件", p, dir, base)
		}
	}
	return st, nil
}

// cause is err without the path an *os.PathError repeats.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fixedDir is the folder of a glob pattern up to its first wildcard.
func fixedDir(pattern string) string {
	dir := filepath.Dir(pattern)
	for strings.ContainsAny(dir, `*?[\`) {
		dir = filepath.Dir(dir)
	}
	return dir
}

// open opens the regular file p whose Lstat is st, making sure it is
// still that file: one swapped for a link since is refused.
func open(p string, st os.FileInfo) (*os.File, os.FileInfo, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, cannotRead(p, err)
	}
	now, err := f.Stat()
	if err != nil || !os.SameFile(st, now) || !now.Mode().IsRegular() {
		f.Close()
		return nil, nil, bizenv.Errorf(bizenv.EINVALID, "%s: replaced while it was read", p).ZH("%s 在读取过程中被替换", p)
	}
	return f, now, nil
}

// hashFile returns the hex SHA-256 of the file p, read in small pieces:
// a file already stored costs no memory to recognise.
func hashFile(p string, st os.FileInfo) (string, os.FileInfo, error) {
	f, st, err := open(p, st)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, ingest.DefaultMaxBytes+1))
	if err != nil {
		return "", nil, cannotRead(p, err)
	}
	if n > ingest.DefaultMaxBytes {
		return "", nil, tooLarge(p)
	}
	return hex.EncodeToString(h.Sum(nil)), st, nil
}

// readFile reads the file p into a buffer of its size.
func readFile(p string, st os.FileInfo) ([]byte, error) {
	f, st, err := open(p, st)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(st.Size(), ingest.DefaultMaxBytes)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, ingest.DefaultMaxBytes+1)); err != nil {
		return nil, cannotRead(p, err)
	}
	if buf.Len() > ingest.DefaultMaxBytes {
		return nil, tooLarge(p)
	}
	return buf.Bytes(), nil
}

// cannotRead is the error of a file p that could not be opened or read.
func cannotRead(p string, err error) error {
	return bizenv.Errorf(bizenv.EINVALID, "%s: cannot be read: %v", p, cause(err)).ZH("%s 无法读取：%v", p, cause(err))
}

// tooLarge is the error of a file p that turned out larger than
// ingest.DefaultMaxBytes as it was read.
func tooLarge(p string) error {
	return bizenv.Errorf(bizenv.ETOOLARGE, "%s: larger than the limit of %d bytes", p, ingest.DefaultMaxBytes).
		ZH("%s 超过上限 %d 字节", p, ingest.DefaultMaxBytes)
}

func newFile(name, base string, content []byte) file {
	sum := sha256.Sum256(content)
	return file{name: name, base: base, content: content, sum: hex.EncodeToString(sum[:])}
}

// mapping is the configured columns and entity map with their targets,
// written by code, name_zh or alias, resolved to codes through the
// catalog; problems are the rejects of targets that name nothing, or more
// than one, with no file.
type mapping struct {
	columns  map[string]string
	entities map[string]string
	problems []bizenv.Reject
}

func (s *Source) resolve(v *ingest.Validator) mapping {
	columns, problems := v.ResolveIndicators("columns", s.cfg.Columns)
	entities, more := v.ResolveEntities("entity.map", s.cfg.EntityMap)
	return mapping{columns: columns, entities: entities, problems: append(problems, more...)}
}

// parse reads one file in the configured layout, with the mapping m.
func (s *Source) parse(f file, m mapping, v *ingest.Validator) ([]bizenv.Observation, []bizenv.Reject, error) {
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
		if code, ok := m.entities[name]; ok {
			return code
		}
		return name // a code, name_zh or alias, which v resolves
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

	if !s.cfg.Wide {
		head, cols, err := ingest.FindLongHeader(t)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range t.Rows[head+1:] {
			if r.Blank() {
				continue
			}
			check(ingest.Record{
				Line: r.Line, Raw: r.Raw,
				Period: r.Cell(cols["period"]), Entity: entity(r.Cell(cols["entity"])),
				Indicator: r.Cell(cols["indicator"]), Value: r.Cell(cols["value"]),
				Source: r.Cell(cols["source"]), Note: r.Cell(cols["note"]),
			})
		}
		return observations, rejects, nil
	}

	period := ""
	switch {
	case !s.cfg.FixedPeriod.IsZero():
		period = s.cfg.FixedPeriod.String()
	case s.cfg.FilenameRE != nil:
		p, err := periodFromName(s.cfg.FilenameRE, f.base)
		if err != nil {
			return nil, nil, err
		}
		period = p.String()
	}
	want := []string{s.cfg.EntityColumn}
	if s.cfg.PeriodColumn != "" {
		want = append(want, s.cfg.PeriodColumn)
	}
	headers := slices.Sorted(maps.Keys(m.columns))
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
		if s.cfg.PeriodColumn != "" {
			p = r.Cell(cols[s.cfg.PeriodColumn])
		}
		e := entity(r.Cell(cols[s.cfg.EntityColumn]))
		for _, h := range headers {
			check(ingest.Record{
				Line: r.Line, Raw: r.Raw,
				Period: p, Entity: e, Indicator: m.columns[h], Value: r.Cell(cols[h]),
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
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "file name %s has no period: it does not match period.filename", name).
			ZH("文件名 %s 中没有期间：与 period.filename 不匹配", name)
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
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "file name %s: %s", name, bizenv.ErrorMessage(err)).
			ZH("文件名 %s：%s", name, bizenv.ErrorMessageZH(err))
	}
	return p, nil
}

// unreadableError is a file that no configuration can read.
type unreadableError struct{ error }

func (e *unreadableError) Unwrap() error { return e.error }

// MaxRows bounds the rows of one file. A monthly notice has dozens and a
// long-format backfill thousands; a file of hundreds of thousands is a
// mistake, refused before it takes minutes and gigabytes to read.
const MaxRows = 200_000
