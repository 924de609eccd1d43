// Package bizenv holds the domain of a district's business-environment
// monitor: indicators, the entities they are measured for, and the monthly
// observations that connect them. It imports no drivers; the packages below
// it implement its interfaces against PostgreSQL, HTTP and the sources.
package bizenv

import (
	"context"
	"time"
)

// Direction says which way an indicator improves.
type Direction string

const (
	HigherBetter Direction = "higher_better"
	LowerBetter  Direction = "lower_better"
	Neutral      Direction = "neutral"
)

// Valid reports whether d is one of the known directions.
func (d Direction) Valid() bool {
	return d == HigherBetter || d == LowerBetter || d == Neutral
}

// Sign is +1 when a rising value is an improvement, -1 when it is a decline
// and 0 for neutral indicators, which never improve or decline.
func (d Direction) Sign() float64 {
	switch d {
	case HigherBetter:
		return 1
	case LowerBetter:
		return -1
	}
	return 0
}

// Frequency is how often an indicator is published.
type Frequency string

const (
	Monthly Frequency = "monthly"
	Annual  Frequency = "annual"
)

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return f == Monthly || f == Annual }

// Step is the number of months between two consecutive periods.
func (f Frequency) Step() int {
	if f == Annual {
		return 12
	}
	return 1
}

// Units in which values are stored.
const (
	UnitRank        = "rank"
	UnitScore       = "score"
	UnitRatio       = "ratio"
	UnitCount       = "count"
	UnitSteps       = "steps"
	UnitItems       = "items"
	UnitDays        = "days"
	UnitWorkingDays = "working_days"
	UnitYuan        = "yuan"
)

// Units lists every unit a value may be stored in.
var Units = []string{UnitRank, UnitScore, UnitRatio, UnitCount, UnitSteps, UnitItems, UnitDays, UnitWorkingDays, UnitYuan}

// EntityKinds lists the kinds of entity an indicator can be measured for.
var EntityKinds = []string{"district", "city", "city_average", "province", "country", "department", "park", "street"}

// Indicator is one figure the office answers for.
type Indicator struct {
	Code        string    `yaml:"code" json:"code" db:"code"`
	NameZH      string    `yaml:"name_zh" json:"name_zh" db:"name_zh"`
	NameEN      string    `yaml:"name_en" json:"name_en" db:"name_en"`
	Aliases     []string  `yaml:"aliases,omitempty" json:"aliases,omitempty" db:"-"` // other names: 排名, 考核排名
	Unit        string    `yaml:"unit" json:"unit" db:"unit"`
	Direction   Direction `yaml:"direction" json:"direction" db:"direction"`
	Category    string    `yaml:"category" json:"category" db:"category"`
	Target      *float64  `yaml:"target,omitempty" json:"target,omitempty" db:"target"`
	Description string    `yaml:"description,omitempty" json:"description,omitempty" db:"description"`
	Owner       string    `yaml:"owner,omitempty" json:"owner,omitempty" db:"owner"`
	Frequency   Frequency `yaml:"frequency,omitempty" json:"frequency" db:"frequency"`
	// Compare is the period the latest value is judged against (SPEC
	// section 2); see CompareStep.
	Compare Compare `yaml:"compare,omitempty" json:"compare" db:"compare"`
	// PartOf names the composite score this indicator is a scored item of,
	// worth at most MaxPoints; both are empty for other indicators.
	PartOf    string   `yaml:"part_of,omitempty" json:"part_of,omitempty" db:"part_of"`
	MaxPoints *float64 `yaml:"max_points,omitempty" json:"max_points,omitempty" db:"max_points"`
	// AlertMinChange is the smallest decline that alerts (0: every one).
	AlertMinChange float64 `yaml:"alert_min_change,omitempty" json:"alert_min_change,omitempty" db:"alert_min_change"`
}

// MeetsTarget reports whether v meets the indicator's target; false when it
// has none. Neutral indicators meet a target they equal.
func (i Indicator) MeetsTarget(v float64) bool {
	if i.Target == nil {
		return false
	}
	switch i.Direction {
	case HigherBetter:
		return v >= *i.Target
	case LowerBetter:
		return v <= *i.Target
	}
	return v == *i.Target
}

// Entity is what an indicator is measured for: a district, the city average...
type Entity struct {
	Code      string `yaml:"code" json:"code" db:"code"`
	NameZH    string `yaml:"name_zh" json:"name_zh" db:"name_zh"`
	NameEN    string `yaml:"name_en" json:"name_en" db:"name_en"`
	Kind      string `yaml:"kind" json:"kind" db:"kind"`
	Parent    string `yaml:"parent,omitempty" json:"parent,omitempty" db:"parent"`
	Benchmark string `yaml:"benchmark,omitempty" json:"benchmark,omitempty" db:"benchmark"`

	// Aliases are other names the entity goes by in notices and
	// spreadsheets (经开区, 车谷); input may use them for the code.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty" db:"-"`
}

// Observation is the value of one indicator for one entity in one period.
type Observation struct {
	Indicator string  `json:"indicator"`
	Entity    string  `json:"entity"`
	Period    Period  `json:"period"`
	Value     float64 `json:"value"`
	Source    string  `json:"source,omitempty"`
	Note      string  `json:"note,omitempty"`
}

// Reject is an input record that was not stored, and why.
type Reject struct {
	File   string `json:"file"`   // file name, URL or collector source
	Line   int    `json:"line"`   // 1-based line or record number; 0 when unknown
	Record string `json:"record"` // the raw record as read
	Reason string `json:"reason"`

	// Code is the reason's stable English code (unknown_entity,
	// ratio_as_percent...); ReasonZH the reason in Chinese. Rejects of
	// sources that give neither have them empty.
	Code     string `json:"code,omitempty"`
	ReasonZH string `json:"reason_zh,omitempty"`
}

// Message returns the reason in Chinese when zh is set and there is one,
// in English otherwise.
func (r Reject) Message(zh bool) string {
	if zh && r.ReasonZH != "" {
		return r.ReasonZH
	}
	return r.Reason
}

// Counts says what a write did to each record it was given.
type Counts struct {
	Inserted  int `json:"inserted" db:"inserted"`
	Updated   int `json:"updated" db:"updated"`
	Unchanged int `json:"unchanged" db:"unchanged"`
	Rejected  int `json:"rejected" db:"rejected"`
}

// Add returns the sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{c.Inserted + o.Inserted, c.Updated + o.Updated, c.Unchanged + o.Unchanged, c.Rejected + o.Rejected}
}

// Run kinds.
const (
	RunImport    = "import"
	RunCollector = "collector"
	RunAPI       = "api"
)

// Run outcomes.
const (
	OutcomeRunning = "running"
	OutcomeSuccess = "success"
	OutcomePartial = "partial" // stored the good records, rejected others
	OutcomeFailure = "failure"
)

// Run is one import, collector run or API write, as recorded.
type Run struct {
	ID         int64      `json:"id" db:"id"`
	Kind       string     `json:"kind" db:"kind"`
	Name       string     `json:"name" db:"name"`
	Actor      string     `json:"actor" db:"actor"`
	StartedAt  time.Time  `json:"started_at" db:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty" db:"finished_at"`
	Outcome    string     `json:"outcome" db:"outcome"`
	Error      string     `json:"error,omitempty" db:"error"`
	Counts
}

// Payload is raw input a run read: a file, a fetched body, a query result.
type Payload struct {
	Name    string // file path, URL or query name
	SHA256  string // hex
	Content []byte
}

// Batch is one unit of writing: the observations that passed validation,
// the records that did not, and the raw payloads they came from.
type Batch struct {
	Kind         string // RunImport, RunCollector or RunAPI
	Name         string // collector name, "import" or "api"
	Actor        string // who is writing: a user, a token name, a collector
	Observations []Observation
	Rejects      []Reject
	Payloads     []Payload
	// AllowPartial stores the observations even when there are rejects;
	// otherwise any reject means nothing is stored.
	AllowPartial bool
	// DryRun validates and counts against what is stored, then rolls back.
	DryRun bool
}

// MaxStoredRejects bounds the rejects stored of one batch, so that a flood
// of bad records cannot bloat the database: the first ones show what is
// wrong, and the run's count says how many there were.
const MaxStoredRejects = 1000

// ObservationStore writes batches of observations, keeping every revision.
//
// Store records a run for the batch and returns it with its counts. With
// rejects and without AllowPartial it stores no observation (the run and its
// rejects are still recorded, outcome failure). Of the rejects it keeps
// the first MaxStoredRejects; the run counts them all. Errors: EINVALID for
// an unknown indicator or entity, EINTERNAL for database failures.
type ObservationStore interface {
	Store(ctx context.Context, b Batch) (Run, error)
}

// CatalogStore reads and changes the catalog.
type CatalogStore interface {
	// ApplyCatalog inserts or updates every indicator and entity of c.
	// Errors: EINVALID for a catalog the stored data contradicts,
	// EINTERNAL for database failures.
	ApplyCatalog(ctx context.Context, c Catalog) error
	CatalogReader
}
