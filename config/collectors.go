package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

// Collector is one scheduled source: a name, a cron schedule and exactly
// one source kind.
type Collector struct {
	Name string `yaml:"name"`
	// Title is the collector's name for people (全市考核排名通报), which
	// the alerts show; optional, the name stands in.
	Title    string `yaml:"title"`
	Schedule string `yaml:"schedule"`
	// RunOnStart runs the collector once when `bizenv serve` starts, as
	// well as on its schedule.
	RunOnStart bool `yaml:"run_on_start"`

	Tabular   *Tabular   `yaml:"tabular"`
	HTTPJSON  *HTTPJSON  `yaml:"http_json"`
	SQL       *SQL       `yaml:"sql"`
	WorldBank *WorldBank `yaml:"worldbank"`
}

// sourceKind is one source kind a collector may have: the key that names
// it in the file, whether the collector has it, and what checks it.
type sourceKind struct {
	name     string
	set      bool
	validate func(*Source) error
}

// kinds returns every source kind, in the order the file format lists
// them; a new kind is a line here.
func (c Collector) kinds() []sourceKind {
	return []sourceKind{
		{"tabular", c.Tabular != nil, c.Tabular.validate},
		{"http_json", c.HTTPJSON != nil, c.HTTPJSON.validate},
		{"sql", c.SQL != nil, c.SQL.validate},
		{"worldbank", c.WorldBank != nil, c.WorldBank.validate},
	}
}

// SourceKinds returns the source kinds a collector may have, by the key
// that names each in the file. The collectors build a source for each.
func SourceKinds() []string { return kindNames((Collector{}).kinds()) }

func kindNames(ks []sourceKind) []string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.name
	}
	return names
}

// Kind returns the name of the collector's source kind as written in the
// file: tabular, http_json, sql or worldbank.
func (c Collector) Kind() string {
	if set := c.setKinds(); len(set) > 0 {
		return set[0].name
	}
	return ""
}

// setKinds returns the source kinds the collector has.
func (c Collector) setKinds() []sourceKind {
	return slices.DeleteFunc(c.kinds(), func(k sourceKind) bool { return !k.set })
}

// Tabular reads CSV or XLSX files from a glob (a drop folder) or a URL.
type Tabular struct {
	Path    string            `yaml:"path"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"` // for url
	Timeout string            `yaml:"timeout"` // for url; default DefaultTimeout
	Layout  string            `yaml:"layout"`  // long (default) or wide
	Sheet   string            `yaml:"sheet"`
	Period  TabularPeriod     `yaml:"period"`
	Entity  TabularEntity     `yaml:"entity"`
	// Columns maps header names of a wide table to indicators, each by
	// code, name_zh or alias, with bizenv.DeductionSuffix for a column of
	// points deducted.
	Columns map[string]string `yaml:"columns"`
}

// TabularPeriod says where a wide table's period comes from: exactly one
// of a column, a fixed value or a pattern matched against the file name.
type TabularPeriod struct {
	Column   string `yaml:"column"`
	Value    string `yaml:"value"`
	Filename string `yaml:"filename"`
}

// TabularEntity says which column names the entity, and maps the names
// written there to entities, each by code, name_zh or alias.
type TabularEntity struct {
	Column string            `yaml:"column"`
	Map    map[string]string `yaml:"map"`
}

// HTTPJSON fetches JSON from a platform API.
type HTTPJSON struct {
	URL        string            `yaml:"url"` // a text/template: {{.Period}}, {{.Year}}, {{.Month}}
	Headers    map[string]string `yaml:"headers"`
	Timeout    string            `yaml:"timeout"` // per request; default DefaultTimeout
	Retries    *int              `yaml:"retries"` // after the first attempt; default DefaultRetries
	Records    string            `yaml:"records"` // gjson path of the record array; empty for a top-level array
	Period     string            `yaml:"period"`  // gjson path in a record; empty for the requested period
	Entity     string            `yaml:"entity"`  // gjson path in a record
	EntityMap  map[string]string `yaml:"entity_map"`
	Values     map[string]string `yaml:"values"` // indicator (code, name_zh or alias) -> gjson path in a record
	Pagination *Pagination       `yaml:"pagination"`
}

// Pagination follows the pages of an answer: either a field holding the
// next page's URL, or a page-number query parameter incremented until a
// page has no records (or the page count found at Pages is reached).
type Pagination struct {
	Next      string `yaml:"next"`       // gjson path of the next page's URL
	Param     string `yaml:"param"`      // query parameter of the page number
	FirstPage *int   `yaml:"first_page"` // default 1
	Pages     string `yaml:"pages"`      // optional gjson path of the page count
	MaxPages  int    `yaml:"max_pages"`  // default 1000
}

// SQL runs a query against another database.
type SQL struct {
	DSN     string `yaml:"dsn"`
	Timeout string `yaml:"timeout"` // statement timeout; default DefaultSQLTimeout
	Query   string `yaml:"query"`
}

// WorldBank reads the World Bank Indicators API v2.
type WorldBank struct {
	BaseURL     string            `yaml:"base_url"`
	Countries   map[string]string `yaml:"countries"`  // World Bank id -> entity (code, name_zh or alias)
	Indicators  map[string]string `yaml:"indicators"` // World Bank id -> indicator (code, name_zh or alias)
	AnnualMonth int               `yaml:"annual_month"`
	// Years is how many of the most recent non-empty values a scheduled
	// run asks for (the API's mrnev), and how many years up to a single
	// requested period's a collect --period asks for: the bank revises
	// recent years.
	Years   int    `yaml:"years"`
	Timeout string `yaml:"timeout"`
}

var collectorNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

func (c *Config) validateCollectors() error {
	seen := map[string]bool{}
	c.Sources = make([]Source, 0, len(c.Collectors))
	for i, col := range c.Collectors {
		if col.Name == "" {
			return fmt.Errorf("collectors[%d]: name is required", i)
		}
		if !collectorNameRE.MatchString(col.Name) {
			return fmt.Errorf("collector %q: name must be ASCII letters, digits, '-', '_' or '.'", col.Name)
		}
		if seen[col.Name] {
			return fmt.Errorf("collector %s: listed twice", col.Name)
		}
		seen[col.Name] = true
		src, err := col.validate()
		if err != nil {
			return fmt.Errorf("collector %s: %w", col.Name, err)
		}
		c.Sources = append(c.Sources, src)
	}
	return nil
}

func (col Collector) validate() (Source, error) {
	if strings.TrimSpace(col.Schedule) == "" {
		return Source{}, errors.New("schedule is required")
	}
	// robfig/cron's default parser, as the schedule uses: five fields,
	// descriptors such as @daily and @every 1h, and a CRON_TZ= prefix.
	if _, err := cron.ParseStandard(col.Schedule); err != nil {
		return Source{}, fmt.Errorf("schedule %q: %v", col.Schedule, err)
	}
	set := col.setKinds()
	switch len(set) {
	case 0:
		all := SourceKinds()
		return Source{}, fmt.Errorf("no source: want one of %s or %s", strings.Join(all[:len(all)-1], ", "), all[len(all)-1])
	case 1:
	default:
		return Source{}, fmt.Errorf("%s: want exactly one source kind", strings.Join(kindNames(set), " and "))
	}
	src := Source{Name: col.Name, Title: col.Title, Kind: set[0].name, Schedule: col.Schedule, RunOnStart: col.RunOnStart, Retries: DefaultRetries}
	err := set[0].validate(&src)
	return src, prefix(src.Kind, err)
}

func prefix(kind string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s.%w", kind, err)
}

func (t *Tabular) validate(src *Source) error {
	switch {
	case t.Path == "" && t.URL == "":
		return errors.New("path: path or url is required")
	case t.Path != "" && t.URL != "":
		return errors.New("url: give path or url, not both")
	}
	if t.Path != "" {
		if _, err := filepath.Match(t.Path, ""); err != nil {
			return fmt.Errorf("path %q: %v", t.Path, err)
		}
	}
	if t.URL != "" {
		if err := checkURL(t.URL); err != nil {
			return fmt.Errorf("url: %w", err)
		}
	}
	if len(t.Headers) > 0 && t.URL == "" {
		return errors.New("headers: only used with url")
	}
	var err error
	if src.Timeout, err = duration(t.Timeout, DefaultTimeout); err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	v := &TabularSource{Path: t.Path, URL: t.URL, Headers: t.Headers, Sheet: t.Sheet,
		PeriodColumn: t.Period.Column, EntityColumn: t.Entity.Column, EntityMap: t.Entity.Map, Columns: t.Columns}
	switch t.Layout {
	case "", "long":
	case "wide":
		v.Wide = true
	default:
		return fmt.Errorf("layout %q: want long or wide", t.Layout)
	}
	if err := checkNames(t.Entity.Map, "entity.map", "an entity", false); err != nil {
		return err
	}
	set := 0
	for _, s := range []string{t.Period.Column, t.Period.Value, t.Period.Filename} {
		if s != "" {
			set++
		}
	}
	if !v.Wide {
		switch {
		case set > 0:
			return errors.New("period: not used with layout long, whose period column holds it")
		case t.Entity.Column != "":
			return errors.New("entity.column: not used with layout long, whose entity column holds it")
		case len(t.Columns) > 0:
			return errors.New("columns: not used with layout long")
		}
		src.Tabular = v
		return nil
	}
	switch {
	case set == 0:
		return errors.New("period: layout wide needs one of column, value or filename")
	case set > 1:
		return errors.New("period: give one of column, value or filename")
	case t.Entity.Column == "":
		return errors.New("entity.column: required with layout wide")
	case len(t.Columns) == 0:
		return errors.New("columns: layout wide needs at least one column mapped to an indicator")
	}
	if err := checkNames(t.Columns, "columns", "an indicator", true); err != nil {
		return err
	}
	if t.Period.Value != "" {
		if v.FixedPeriod, err = ingest.ParsePeriod(t.Period.Value); err != nil {
			return fmt.Errorf("period.value: %s", bizenv.ErrorMessage(err))
		}
	}
	if t.Period.Filename != "" {
		re, err := regexp.Compile(t.Period.Filename)
		if err != nil {
			return fmt.Errorf("period.filename: %v", err)
		}
		if n := re.NumSubexp(); n > 2 {
			return fmt.Errorf("period.filename: %d groups: want none (the match is the period), one (the period) or two (year and month)", n)
		}
		v.FilenameRE = re
	}
	src.Tabular = v
	return nil
}

func (h *HTTPJSON) validate(src *Source) error {
	if h.URL == "" {
		return errors.New("url: required")
	}
	tmpl, err := template.New("url").Option("missingkey=error").Parse(h.URL)
	if err != nil {
		return fmt.Errorf("url: bad template: %v", templateError(err))
	}
	// Render with a sample period so that a bad field is caught now.
	var sb strings.Builder
	if err := tmpl.Execute(&sb, NewURLData(bizenv.NewPeriod(2021, 9))); err != nil {
		if m := templateFieldRE.FindStringSubmatch(err.Error()); m != nil {
			return fmt.Errorf("url: {{%s}} is not a template field: use {{.Period}}, {{.Year}}, {{.Month}} or {{.YYYYMM}}", m[1])
		}
		return fmt.Errorf("url: bad template: %v", templateError(err))
	}
	if err := checkURL(sb.String()); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if src.Timeout, err = duration(h.Timeout, DefaultTimeout); err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	if h.Retries != nil {
		if *h.Retries < 0 || *h.Retries > 10 {
			return fmt.Errorf("retries %d: want 0..10", *h.Retries)
		}
		src.Retries = *h.Retries
	}
	switch {
	case h.Entity == "":
		return errors.New("entity: required (the path of the entity in a record)")
	case len(h.Values) == 0:
		return errors.New("values: map at least one indicator code to a path in a record")
	}
	if err := checkNames(h.EntityMap, "entity_map", "an entity", false); err != nil {
		return err
	}
	for _, name := range sortedKeys(h.Values) {
		if err := checkName(name, "an indicator", true); err != nil {
			return fmt.Errorf("values: %w", err)
		} else if h.Values[name] == "" {
			return fmt.Errorf("values.%s: path is empty", name)
		}
	}
	v := &HTTPJSONSource{URL: h.URL, URLTemplate: tmpl, Headers: h.Headers, Records: h.Records,
		Period: h.Period, Entity: h.Entity, EntityMap: h.EntityMap, Values: h.Values}
	if p := h.Pagination; p != nil {
		switch {
		case p.Next == "" && p.Param == "":
			return errors.New("pagination: give next or param")
		case p.Next != "" && p.Param != "":
			return errors.New("pagination: give next or param, not both")
		case p.Next != "" && (p.FirstPage != nil || p.Pages != ""):
			return errors.New("pagination: first_page and pages are only used with param")
		case p.MaxPages < 0:
			return fmt.Errorf("pagination.max_pages %d: must not be negative", p.MaxPages)
		}
		v.Pagination = &PaginationSource{Next: p.Next, Param: p.Param, FirstPage: 1, Pages: p.Pages, MaxPages: 1000}
		if p.FirstPage != nil {
			v.Pagination.FirstPage = *p.FirstPage
		}
		if p.MaxPages > 0 {
			v.Pagination.MaxPages = p.MaxPages
		}
	}
	src.HTTPJSON = v
	return nil
}

func (s *SQL) validate(src *Source) error {
	switch {
	case s.DSN == "":
		return errors.New("dsn: required")
	case strings.TrimSpace(s.Query) == "":
		return errors.New("query: required")
	}
	var err error
	if src.Timeout, err = duration(s.Timeout, DefaultSQLTimeout); err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	src.SQL, src.Retries = &SQLSource{DSN: s.DSN, Query: s.Query}, 0
	return nil
}

func (w *WorldBank) validate(src *Source) error {
	v := &WorldBankSource{BaseURL: w.BaseURL, Countries: w.Countries, Indicators: w.Indicators, AnnualMonth: w.AnnualMonth, Years: w.Years}
	if v.BaseURL == "" {
		v.BaseURL = DefaultWorldBankURL
	}
	v.BaseURL = strings.TrimRight(v.BaseURL, "/")
	if err := checkURL(v.BaseURL); err != nil {
		return fmt.Errorf("base_url: %w", err)
	}
	switch {
	case len(w.Countries) == 0:
		return errors.New("countries: map at least one World Bank country id to an entity code")
	case len(w.Indicators) == 0:
		return errors.New("indicators: map at least one World Bank indicator id to an indicator code")
	}
	if err := checkNames(w.Countries, "countries", "an entity", false); err != nil {
		return err
	}
	if err := checkNames(w.Indicators, "indicators", "an indicator", false); err != nil {
		return err
	}
	for _, id := range sortedKeys(w.Countries) {
		if !worldBankIDRE.MatchString(id) {
			return fmt.Errorf("countries: %q is not a World Bank country id", id)
		}
	}
	for _, id := range sortedKeys(w.Indicators) {
		if !worldBankIDRE.MatchString(id) {
			return fmt.Errorf("indicators: %q is not a World Bank indicator id", id)
		}
	}
	switch {
	case w.AnnualMonth == 0:
		v.AnnualMonth = 12
	case w.AnnualMonth < 1 || w.AnnualMonth > 12:
		return fmt.Errorf("annual_month %d: want 1..12", w.AnnualMonth)
	}
	switch {
	case w.Years == 0:
		v.Years = 5
	case w.Years < 1 || w.Years > 100:
		return fmt.Errorf("years %d: want 1..100", w.Years)
	}
	var err error
	if src.Timeout, err = duration(w.Timeout, DefaultTimeout); err != nil {
		return fmt.Errorf("timeout: %w", err)
	}
	src.WorldBank = v
	return nil
}

// worldBankIDRE matches the bank's ids (CHN, IC.REG.DURS); they are put
// into URL paths, so nothing else is allowed.
var worldBankIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._]*$`)

// URLData is what an http_json URL template is executed with.
type URLData struct {
	Period string // YYYY-MM
	Year   int
	Month  int    // 1..12; {{printf "%02d" .Month}} for two digits
	YYYYMM string // the period without separator: 202109
}

// NewURLData returns the template data for period p.
func NewURLData(p bizenv.Period) URLData {
	return URLData{Period: p.String(), Year: p.Year, Month: int(p.Month), YYYYMM: fmt.Sprintf("%04d%02d", p.Year, int(p.Month))}
}

// checkURL checks that s is an absolute http or https URL. The error
// quotes nothing of s, which may carry a secret.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("not an absolute http or https URL")
	}
	return nil
}

var templateFieldRE = regexp.MustCompile(`<(\.[^>]*)>: can't evaluate field`)

// templateError drops the template's name from its errors.
func templateError(err error) string {
	return strings.TrimPrefix(err.Error(), "template: url:")
}

func duration(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 30s or 2m", s)
	}
	return d, nil
}

// checkNames checks the targets of a mapping with checkName.
func checkNames(m map[string]string, field, kind string, deduction bool) error {
	for _, k := range sortedKeys(m) {
		if err := checkName(m[k], kind, deduction); err != nil {
			return fmt.Errorf("%s.%s: %w", field, k, err)
		}
	}
	return nil
}

// checkName checks the target of a mapping, which names kind (an
// indicator, an entity) by code, name_zh or alias, followed by
// bizenv.DeductionSuffix when deduction allows it. Whether the catalog
// has that name is known only where the catalog is: the collector
// resolves it when it runs, and rejects a file or run whose mapping names
// nothing it knows. Here it is checked for what needs no catalog.
func checkName(target, kind string, deduction bool) error {
	name := target
	if deduction {
		name, _ = bizenv.SplitDeduction(target)
	}
	switch {
	case target == "":
		return fmt.Errorf("empty: want %s's code, name_zh or alias", kind)
	case name == "":
		return fmt.Errorf("%q: want %s's code, name_zh or alias before %s", target, kind, bizenv.DeductionSuffix)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%q has spaces around the name", target)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%q has a control character", target)
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
