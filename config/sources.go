package config

import (
	"regexp"
	"text/template"
	"time"

	"github.com/bizenv/bizenv"
)

// Defaults of the collectors' settings, written here once: validation
// fills them in, and the collectors never guess.
const (
	// DefaultTimezone is the zone of schedules, "the last closed month" and
	// "the current month" when the file names none, or when a command runs
	// without one.
	DefaultTimezone = "Asia/Shanghai"
	// DefaultTimeout bounds each request of tabular (url), http_json and
	// worldbank.
	DefaultTimeout = 30 * time.Second
	// DefaultSQLTimeout is the statement timeout of an sql query.
	DefaultSQLTimeout = 60 * time.Second
	// DefaultRetries is how many times a failed request is tried again.
	DefaultRetries = 3
	// DefaultWorldBankURL is the World Bank API's base URL.
	DefaultWorldBankURL = "https://api.worldbank.org/v2"
)

// Source is one collector as validated: its settings parsed and the
// defaults filled in. The collectors are built from it; the Collector it
// comes from stays as written in the file.
type Source struct {
	Name       string
	Title      string // for people; "" when the file gives none
	Kind       string // tabular, http_json, sql or worldbank, as in the file
	Schedule   string // a cron line, checked
	RunOnStart bool
	// Timeout bounds each request (tabular url, http_json, worldbank) or
	// the query (sql).
	Timeout time.Duration
	// Retries is how many times a failed request is tried again; sql
	// queries are not retried.
	Retries int

	// Exactly one is set, the one Kind names.
	Tabular   *TabularSource
	HTTPJSON  *HTTPJSONSource
	SQL       *SQLSource
	WorldBank *WorldBankSource
}

// TabularSource is a tabular section as validated.
type TabularSource struct {
	Path    string            // a glob; or
	URL     string            // a file to download, with Headers
	Headers map[string]string // values are secrets
	Wide    bool              // layout wide; long otherwise
	Sheet   string
	// Where a wide table's period comes from: a column, a fixed period or
	// a pattern matched against the file name; one is set.
	PeriodColumn string
	FixedPeriod  bizenv.Period
	FilenameRE   *regexp.Regexp
	EntityColumn string
	EntityMap    map[string]string // names written in the file -> entity codes
	Columns      map[string]string // header names of a wide table -> indicator codes
}

// HTTPJSONSource is an http_json section as validated.
type HTTPJSONSource struct {
	URL         string // as written, for its secrets
	URLTemplate *template.Template
	Headers     map[string]string // values are secrets
	Records     string            // gjson path of the record array; empty for a top-level array
	Period      string            // gjson path in a record; empty for the requested period
	Entity      string            // gjson path in a record
	EntityMap   map[string]string
	Values      map[string]string // indicator code -> gjson path in a record
	Pagination  *PaginationSource // nil for a single page
}

// PaginationSource is a pagination section as validated: Next or Param
// is set.
type PaginationSource struct {
	Next      string // gjson path of the next page's URL
	Param     string // query parameter of the page number
	FirstPage int
	Pages     string // optional gjson path of the page count
	MaxPages  int
}

// SQLSource is an sql section as validated.
type SQLSource struct {
	DSN   string // a secret
	Query string
}

// WorldBankSource is a worldbank section as validated.
type WorldBankSource struct {
	BaseURL     string            // without a trailing slash
	Countries   map[string]string // World Bank id -> entity code
	Indicators  map[string]string // World Bank id -> indicator code
	AnnualMonth int               // the month an annual value is filed under
	Years       int               // years asked for up to the period's when no range is given
}
