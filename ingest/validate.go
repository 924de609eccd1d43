package ingest

import (
	"fmt"
	"maps"
	"slices"
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
	names      *bizenv.Names    // name_zh and aliases -> codes
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
		names:      cat.Names(),
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
// The indicator and entity may be given by code, name_zh or alias; the
// observation carries the code. Observation.Source defaults to the base
// name of r.File. A reject has a code (RejectUnknownEntity...) and its
// reason in English and Chinese.
// An indicator written "code-deduction" (bizenv.DeductionSuffix), by code,
// name or alias, takes the value as points deducted from that scored item
// and stores the points earned.
func (v *Validator) Check(r Record) (obs bizenv.Observation, ok bool, reject *bizenv.Reject) {
	fail := func(code, reason, reasonZH string) (bizenv.Observation, bool, *bizenv.Reject) {
		return bizenv.Observation{}, false, &bizenv.Reject{File: r.File, Line: r.Line, Record: r.Raw,
			Code: code, Reason: reason, ReasonZH: reasonZH}
	}
	if IsAbsent(r.Value) {
		return bizenv.Observation{}, false, nil
	}
	ind, deduction, rj := v.indicator(r.Indicator)
	if rj != nil {
		return fail(rj.Code, rj.Reason, rj.ReasonZH)
	}
	entity, rj := v.Entity(r.Entity)
	if rj != nil {
		return fail(rj.Code, rj.Reason, rj.ReasonZH)
	}
	if trim(r.Period) == "" {
		return fail(RejectMissingPeriod, "missing period", "缺少期间")
	}
	period, err := ParsePeriod(r.Period)
	if err != nil {
		return fail(RejectBadPeriod, bizenv.ErrorMessage(err),
			fmt.Sprintf("期间“%s”无法识别：应为 2020-06、2020/6、2020年6月 或 202006 的形式，月份 1 至 12", trim(r.Period)))
	}
	if v.current.Before(period) && (ind.Frequency != bizenv.Annual || period.Year > v.current.Year) {
		return fail(RejectFuturePeriod, fmt.Sprintf("period %s is in the future", period),
			fmt.Sprintf("期间 %d年%d月 尚未到来", period.Year, period.Month))
	}
	parse := ParseValue
	if v.averages[entity] {
		parse = ParseAverageValue
	}
	value, _, err := parse(r.Value, ind.Unit)
	if err != nil {
		code, reason, reasonZH := errReason(err)
		return fail(code, fmt.Sprintf("value %q for %s indicator %s: %s", r.Value, ind.Unit, ind.Code, reason),
			fmt.Sprintf("指标“%s”（%s）的数值“%s”：%s", ind.NameZH, unitZH(ind.Unit), r.Value, reasonZH))
	}
	if deduction {
		if value, err = ind.PointsEarned(value); err != nil {
			return fail(RejectBadValue, fmt.Sprintf("value %q for %s%s: %v", r.Value, ind.Code, bizenv.DeductionSuffix, err),
				fmt.Sprintf("指标“%s”的扣分“%s”无效：扣分须在 0 至该分项满分之间，且指标须为考核分项", ind.NameZH, r.Value))
		}
	}
	key := observationKey{ind.index, v.entities[entity], int32(period.Year*12 + int(period.Month) - 1)}
	if first, dup := v.seen[key]; dup {
		switch {
		case first.value == value:
			return bizenv.Observation{}, false, nil
		case v.files[first.file] == r.File:
			return fail(RejectDuplicate, fmt.Sprintf("duplicate of line %d with a different value", first.line),
				fmt.Sprintf("与第 %d 行重复，数值不同", first.line))
		}
		return fail(RejectDuplicate, fmt.Sprintf("duplicate of %s line %d with a different value", v.files[first.file], first.line),
			fmt.Sprintf("与 %s 第 %d 行重复，数值不同", v.files[first.file], first.line))
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

// Indicator returns the code of the indicator target names, by code,
// name_zh or alias; a target written with bizenv.DeductionSuffix keeps it
// after the code. A target that names no indicator, or more than one, gets
// a reject (RejectMissingIndicator, RejectUnknownIndicator or
// RejectAmbiguousIndicator) with no file or line, which the caller gives.
// Collectors resolve the targets of their configured mappings with it.
func (v *Validator) Indicator(target string) (string, *bizenv.Reject) {
	ind, deduction, reject := v.indicator(target)
	if reject != nil {
		return "", reject
	}
	if deduction {
		return ind.Code + bizenv.DeductionSuffix, nil
	}
	return ind.Code, nil
}

// indicator resolves target and says whether it carries the deduction
// suffix: "code-deduction" is points deducted from a scored item.
func (v *Validator) indicator(target string) (indicatorEntry, bool, *bizenv.Reject) {
	name, deduction := bizenv.SplitDeduction(trim(target))
	if ind, ok := v.indicators[name]; ok {
		return ind, deduction, nil
	}
	if name == "" {
		return indicatorEntry{}, false, &bizenv.Reject{Code: RejectMissingIndicator, Reason: "missing indicator", ReasonZH: "缺少指标"}
	}
	code, candidates := v.names.Indicator(name)
	ind, ok := v.indicators[code]
	if !ok || len(candidates) > 1 {
		return indicatorEntry{}, false, nameReject(RejectAmbiguousIndicator, RejectUnknownIndicator, "indicator", name, candidates)
	}
	return ind, deduction, nil
}

// ResolveIndicators returns m, a mapping of a collector's configuration
// (a wide table's columns: header -> indicator by code, name_zh or alias),
// with its targets resolved by Indicator, and a MappingReject for each
// target that names no indicator or more than one, which is left out.
func (v *Validator) ResolveIndicators(field string, m map[string]string) (map[string]string, []bizenv.Reject) {
	return resolveMapping(field, m, v.Indicator)
}

// ResolveEntities is ResolveIndicators for a map to entities.
func (v *Validator) ResolveEntities(field string, m map[string]string) (map[string]string, []bizenv.Reject) {
	return resolveMapping(field, m, v.Entity)
}

func resolveMapping(field string, m map[string]string, resolve func(string) (string, *bizenv.Reject)) (map[string]string, []bizenv.Reject) {
	codes := make(map[string]string, len(m))
	var rejects []bizenv.Reject
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if code, r := resolve(m[k]); r != nil {
			rejects = append(rejects, MappingReject(field, k, *r))
		} else {
			codes[k] = code
		}
	}
	return codes, rejects
}

// MappingReject returns r, the reject of a target in a collector's
// configured mapping (from Indicator or Entity), with reasons that name
// the mapping as the configuration writes it, field and key (columns and
// 考核排名), before the name that could not be resolved. Its file is the
// caller's to give: the file or source the mapping was to read.
func MappingReject(field, key string, r bizenv.Reject) bizenv.Reject {
	r.Reason = fmt.Sprintf("configured %s.%s: %s", field, key, r.Reason)
	r.ReasonZH = fmt.Sprintf("配置项 %s.%s：%s", field, key, r.ReasonZH)
	return r
}

// Entity is Indicator for entities, which take no suffix.
func (v *Validator) Entity(name string) (string, *bizenv.Reject) {
	name = trim(name)
	if v.knownEntity(name) {
		return name, nil
	}
	if name == "" {
		return "", &bizenv.Reject{Code: RejectMissingEntity, Reason: "missing entity", ReasonZH: "缺少单位"}
	}
	code, candidates := v.names.Entity(name)
	if !v.knownEntity(code) || len(candidates) > 1 {
		return "", nameReject(RejectAmbiguousEntity, RejectUnknownEntity, "entity", name, candidates)
	}
	return code, nil
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

// nameReject rejects a name that finds no record, or (ambiguous) more than
// one, in the words of bizenv.NameError.
func nameReject(ambiguous, unknown, kind, name string, candidates []string) *bizenv.Reject {
	code := unknown
	if len(candidates) > 1 {
		code = ambiguous
	}
	e := bizenv.NameError(kind, name, candidates)
	return &bizenv.Reject{Code: code, Reason: e.Message, ReasonZH: e.MessageZH}
}
