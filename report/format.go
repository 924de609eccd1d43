package report

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/bizenv/bizenv"
)

// Formats the report can be written in.
const (
	FormatJSON = "json"
	FormatHTML = "html"
	FormatCSV  = "csv"
)

// Request asks for one report.
type Request struct {
	Period bizenv.Period
	Entity string // code, name_zh or alias; "" for DefaultEntity
	// DefaultEntity is the entity preferred when Entity is "" (config's
	// report entity), see DefaultEntity.
	DefaultEntity string
	Format        string // FormatJSON ("" too), FormatHTML or FormatCSV
}

// Rendered is one report written in the format asked for.
type Rendered struct {
	Report *Report
	Format string
	Body   []byte
}

// CheckFormat returns EINVALID unless format is one Render writes ("" is
// JSON), so that a command can refuse a bad one before any work.
func CheckFormat(format string) error {
	switch format {
	case "", FormatJSON, FormatHTML, FormatCSV:
		return nil
	}
	return bizenv.Errorf(bizenv.EINVALID, "format %q: want json, html or csv", format).ZH("格式“%s”无效：应为 json、html 或 csv", format)
}

// EntityError is Render's answer for an entity it cannot find: Err is
// ENOTFOUND for an unknown name, EINVALID for an ambiguous one.
type EntityError struct{ Err error }

func (e EntityError) Error() string { return e.Err.Error() }
func (e EntityError) Unwrap() error { return e.Err }

// Render builds the report req asks for and writes it, as `bizenv report`
// and the API do. Errors: EINVALID for an unknown format, or for no entity
// named in a catalog without a district; EntityError; those of Build.
func Render(ctx context.Context, s Store, req Request) (*Rendered, error) {
	if err := CheckFormat(req.Format); err != nil {
		return nil, err
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	entity := req.Entity
	if entity == "" {
		var ok bool
		if entity, ok = DefaultEntity(cat, req.DefaultEntity); !ok {
			return nil, bizenv.Errorf(bizenv.EINVALID, "no district in the catalog: name an entity").ZH("目录中没有区级单位：请指定单位")
		}
	} else {
		e, err := cat.FindEntity(entity)
		if err != nil {
			return nil, EntityError{err}
		}
		entity = e.Code
	}
	rep, err := build(ctx, s, cat, req.Period, entity)
	if err != nil {
		return nil, err
	}
	format := cmp.Or(req.Format, FormatJSON)
	var b bytes.Buffer
	if err := Write(&b, rep, format); err != nil {
		return nil, err
	}
	return &Rendered{Report: rep, Format: format, Body: b.Bytes()}, nil
}

// ContentType returns the media type of format.
func ContentType(format string) string {
	switch format {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatCSV:
		return "text/csv; charset=utf-8"
	}
	return "application/json"
}

// Write writes r to w in format. Errors: EINVALID for an unknown format.
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatJSON, "":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatCSV:
		return WriteCSV(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return bizenv.Errorf(bizenv.EINVALID, "unknown format %q: want json, html or csv", format).ZH("未知格式“%s”：应为 json、html 或 csv", format)
}

// WriteCSV writes r as one table: a row per figure, the section it belongs
// to first, values in stored units and as shown. change is how much better
// value is than compared_to (positive better, negative worse), in
// change_unit: percentage points for ratios and places for ranks, as the
// page shows them. source and note say where value came from, synthetic
// marks a made-up one; the trend's rows leave them empty. It starts with a
// UTF-8 byte-order mark so that spreadsheet programs read the Chinese right.
//
// Text that comes from the catalog (codes and names) or the input (sources
// and notes) is escaped against
// formula injection (see csvText). The numeric columns value, compared_to and
// change stay numbers, negative ones included; shown is written by Show
// from a number and a unit, never from text anyone supplied.
func WriteCSV(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"section", "period", "entity", "indicator", "name_zh", "unit", "value", "compared_to", "change", "change_unit", "shown", "source", "note", "synthetic"})
	row := func(section string, p bizenv.Period, indicator, name, unit string, value, other *float64, change *float64, changeUnit, shown string, prov ...Provenance) {
		if change == nil {
			changeUnit = ""
		}
		var pr Provenance
		if len(prov) > 0 {
			pr = prov[0]
		}
		synthetic := ""
		if pr.Synthetic {
			synthetic = "true"
		}
		cw.Write([]string{csvText(section), csvText(p.String()), csvText(r.Entity), csvText(indicator), csvText(name), csvText(unit),
			optNum(value), optNum(other), optNum(change), changeUnit, shown, csvText(pr.Source), csvText(pr.Note), synthetic})
	}
	f := func(v float64) *float64 { return &v }
	fi := func(v *int) *float64 {
		if v == nil {
			return nil
		}
		return f(float64(*v))
	}
	row("rank", r.Period, RankIndicator, "全市营商环境考核排名", bizenv.UnitRank, fi(r.Rank.Value), fi(r.Rank.Previous), fi(r.Rank.Change), UnitPlaces,
		rankOfText(r.Rank), r.Rank.Provenance)
	row("decline_streak", r.Period, RankIndicator, "排名连续下滑月数", "months", f(float64(r.DeclineStreak)), nil, nil, "", strconv.Itoa(r.DeclineStreak))
	for _, t := range r.Trend {
		row("trend", t.Period, RankIndicator, "全市营商环境考核排名", bizenv.UnitRank, fi(t.Rank), nil, nil, "", rankText(t.Rank))
	}
	for _, t := range r.Trend {
		row("trend", t.Period, ScoreIndicator, "全市营商环境考核得分", bizenv.UnitScore, t.Score, nil, nil, "", optShow(t.Score, bizenv.UnitScore))
	}
	for _, c := range r.Declined {
		row("declined", r.Period, c.Indicator, c.NameZH, c.Unit, f(c.Value), f(c.Previous), f(c.Change), c.ChangeUnit, Show(c.Value, c.Unit), c.Provenance)
	}
	for _, c := range r.Improved {
		row("improved", r.Period, c.Indicator, c.NameZH, c.Unit, f(c.Value), f(c.Previous), f(c.Change), c.ChangeUnit, Show(c.Value, c.Unit), c.Provenance)
	}
	for _, g := range r.BelowBenchmark {
		row("below_benchmark", r.Period, g.Indicator, g.NameZH, g.Unit, f(g.Value), f(g.Benchmark), f(g.Gap), g.GapUnit, Show(g.Value, g.Unit), g.Provenance)
	}
	for _, m := range r.TargetsMissed {
		row("targets_missed", r.Period, m.Indicator, m.NameZH, m.Unit, f(m.Value), f(m.Target), f(m.Gap), m.GapUnit, Show(m.Value, m.Unit), m.Provenance)
	}
	r.whyRows(row)
	cw.Flush()
	return cw.Error()
}

// csvText escapes a text cell that a spreadsheet program would take for a
// formula, as OWASP recommends for CSV injection: a cell starting with =,
// +, -, @, a tab or a carriage return gets a leading single quote, so that
// a catalog name like =HYPERLINK(...) is shown, not run.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func optNum(v *float64) string {
	if v == nil {
		return ""
	}
	return num(*v)
}

func optShow(v *float64, unit string) string {
	if v == nil {
		return ""
	}
	return Show(*v, unit)
}

// rankOfText writes the rank as "15 / 15", or "15" when the size of the
// ranking is not known.
func rankOfText(r RankSummary) string {
	if r.Ranked < r.Of || r.Value == nil {
		return rankText(r.Value)
	}
	return fmt.Sprintf("%s / %d", rankText(r.Value), r.Of)
}

func rankText(v *int) string {
	if v == nil {
		return "—"
	}
	return strconv.Itoa(*v)
}

// Show writes a value the way the office writes it: ratios as percentages,
// amounts in 万元 or 亿元, days with their unit.
func Show(v float64, unit string) string {
	switch unit {
	case bizenv.UnitRatio:
		return trimZeros(fmt.Sprintf("%.2f", v*100)) + "%"
	case bizenv.UnitYuan:
		switch {
		case math.Abs(v) >= 1e8:
			return trimZeros(fmt.Sprintf("%.2f", v/1e8)) + "亿元"
		case math.Abs(v) >= 1e4:
			return trimZeros(fmt.Sprintf("%.2f", v/1e4)) + "万元"
		}
		return trimZeros(fmt.Sprintf("%.2f", v)) + "元"
	case bizenv.UnitDays:
		return trimZeros(fmt.Sprintf("%.2f", v)) + "天"
	case bizenv.UnitWorkingDays:
		return trimZeros(fmt.Sprintf("%.2f", v)) + "个工作日"
	case bizenv.UnitSteps:
		return trimZeros(fmt.Sprintf("%.2f", v)) + "个环节"
	case bizenv.UnitItems:
		return trimZeros(fmt.Sprintf("%.2f", v)) + "件"
	case bizenv.UnitCount:
		return trimZeros(fmt.Sprintf("%.2f", v))
	case bizenv.UnitRank:
		return "第" + trimZeros(fmt.Sprintf("%.0f", v)) + "名"
	}
	return fmt.Sprintf("%.2f", v)
}

// ShowChange writes a change or gap d in its unit (a Change's ChangeUnit,
// a Gap's GapUnit), signed as the report signs them: + better, − worse.
// A ratio's unit is taken as percentage points of a difference of
// ratios, a rank's as places.
func ShowChange(d float64, unit string) string {
	sign := "+"
	if d < 0 {
		sign = "−"
		d = -d
	}
	switch unit {
	case UnitPercentagePoints:
		return sign + trimZeros(fmt.Sprintf("%.2f", d)) + "个百分点"
	case bizenv.UnitRatio:
		return sign + trimZeros(fmt.Sprintf("%.2f", d*100)) + "个百分点"
	case UnitPlaces, bizenv.UnitRank:
		return sign + trimZeros(fmt.Sprintf("%.0f", d)) + "位"
	}
	return sign + strings.TrimPrefix(Show(d, unit), "第")
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
