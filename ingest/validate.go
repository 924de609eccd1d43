package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
)

// Record is one input record before validation, its fields as written.
type Record struct {
	File string // file name, URL or source the record came from
	Line int    // 1-based line, row or record number; 0 when unknown
	Raw  string // the record as written, kept in its reject

	Period, Entity, Indicator, Value, Source, Note string
}

// Validator checks records against a catalog and the current month, and
// remembers the records it accepted to find conflicting duplicates. It is
// not safe for concurrent use.
type Validator struct {
	indicators map[string]indicatorEntry
	entities   map[string]int32 // code -> index, for compact keys
	averages   map[string]bool  // codes of entities that average others
	current    bizenv.Period    // the month now falls in, in now's time zone
	seen       map[observationKey]firstSeen
	files      []string // files of seen records, by index
	baseOf     string   // the file whose base name base is
	base       string
}

type indicatorEntry struct {
	bizenv.Indicator
	index int32
}

// observationKey names codes by index: hashing three small integers instead
// of two strings makes duplicate detection several times cheaper on large
// files.
type observationKey struct {
	indicator, entity int32
	period            int32 // months since year 0
}

type firstSeen struct {
	file  int32 // index into Validator.files
	line  int32
	value float64
}

// NewValidator returns a Validator for the indicators and entities of cat.
// Periods after the month that contains now are in the future; for annual
// indicators, years after the current one. The month is read in now's
// location: pass now in the configured time zone (config's timezone), so
// that a month begins when it begins in the offices.
func NewValidator(cat bizenv.Catalog, now time.Time) *Validator {
	v := &Validator{
		indicators: make(map[string]indicatorEntry, len(cat.Indicators)),
		entities:   make(map[string]int32, len(cat.Entities)),
		averages:   map[string]bool{},
		current:    bizenv.PeriodOf(now),
		seen:       map[observationKey]firstSeen{},
	}
	for n, i := range cat.Indicators {
		v.indicators[i.Code] = indicatorEntry{i, int32(n)}
	}
	for n, e := range cat.Entities {
		v.entities[e.Code] = int32(n)
		if e.Kind == "city_average" {
			v.averages[e.Code] = true
		}
	}
	return v
}

// Check validates r. It returns the observation and ok when r is good; a
// reject when it is not; and neither (ok false, nil reject) when r has no
// value (see IsAbsent) or repeats, with the same value, a record Check has
// already accepted: such records are skipped.
//
// Observation.Source defaults to the base name of r.File.
func (v *Validator) Check(r Record) (obs bizenv.Observation, ok bool, reject *bizenv.Reject) {
	fail := func(format string, args ...any) (bizenv.Observation, bool, *bizenv.Reject) {
		return bizenv.Observation{}, false, &bizenv.Reject{File: r.File, Line: r.Line, Record: r.Raw, Reason: fmt.Sprintf(format, args...)}
	}
	if IsAbsent(r.Value) {
		return bizenv.Observation{}, false, nil
	}
	code, entity := trim(r.Indicator), trim(r.Entity)
	ind, known := v.indicators[code]
	switch {
	case code == "":
		return fail("missing indicator")
	case !known:
		return fail("unknown indicator %q", code)
	case entity == "":
		return fail("missing entity")
	case !v.knownEntity(entity):
		return fail("unknown entity %q", entity)
	case trim(r.Period) == "":
		return fail("missing period")
	}
	period, err := ParsePeriod(r.Period)
	if err != nil {
		return fail("%s", bizenv.ErrorMessage(err))
	}
	if v.current.Before(period) && (ind.Frequency != bizenv.Annual || period.Year > v.current.Year) {
		return fail("period %s is in the future", period)
	}
	parse := ParseValue
	if v.averages[entity] {
		parse = ParseAverageValue
	}
	value, _, err := parse(r.Value, ind.Unit)
	if err != nil {
		return fail("value %q for %s indicator %s: %s", r.Value, ind.Unit, ind.Code, errReason(err))
	}
	key := observationKey{ind.index, v.entities[entity], int32(period.Year*12 + int(period.Month) - 1)}
	if first, dup := v.seen[key]; dup {
		switch {
		case first.value == value:
			return bizenv.Observation{}, false, nil
		case v.files[first.file] == r.File:
			return fail("duplicate of line %d with a different value", first.line)
		}
		return fail("duplicate of %s line %d with a different value", v.files[first.file], first.line)
	}
	if len(v.files) == 0 || v.files[len(v.files)-1] != r.File {
		v.files = append(v.files, r.File)
	}
	v.seen[key] = firstSeen{file: int32(len(v.files) - 1), line: int32(r.Line), value: value}
	source := trim(r.Source)
	if source == "" {
		if v.baseOf != r.File {
			v.baseOf, v.base = r.File, baseName(r.File)
		}
		source = v.base
	}
	return bizenv.Observation{
		Indicator: ind.Code,
		Entity:    entity,
		Period:    period,
		Value:     value,
		Source:    source,
		Note:      trim(r.Note),
	}, true, nil
}

func (v *Validator) knownEntity(code string) bool {
	_, ok := v.entities[code]
	return ok
}

// baseName returns the last element of a slash- or backslash-separated
// path.
func baseName(name string) string {
	return name[strings.LastIndexAny(name, `/\`)+1:]
}
