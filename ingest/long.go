package ingest

import (
	"time"

	"github.com/bizenv/bizenv"
)

// longColumns are the columns of the long format and the names each goes
// by (SPEC section 4): the English name, then the Chinese ones.
var longColumns = [][]string{
	{"period", "期间", "月份", "时间"},
	{"entity", "单位", "地区", "区域"},
	{"indicator", "指标"},
	{"value", "数值", "值"},
	{"source", "来源"},
	{"note", "备注"},
}

// ParseLong reads t in the long format: a header row with the columns
// period, entity, indicator and value, and optionally source and note, in
// any order and under their English or Chinese names (期间/月份/时间,
// 单位/地区/区域, 指标, 数值/值, 来源, 备注), then one observation per row. Rows above the header and blank
// rows are skipped, and so are rows without a value (see Check).
//
// It returns the good observations and a reject for each bad row, checked
// with a new Validator: duplicates are found within t. The error, EINVALID,
// is for problems with the file as a whole, such as a missing column; then
// there are no observations or rejects.
func ParseLong(t *Table, cat bizenv.Catalog, now time.Time) ([]bizenv.Observation, []bizenv.Reject, error) {
	return ParseLongWith(t, NewValidator(cat, now))
}

// ParseLongWith is ParseLong with a Validator of the caller's, so that
// duplicates are found across several tables.
func ParseLongWith(t *Table, v *Validator) ([]bizenv.Observation, []bizenv.Reject, error) {
	head, cols, err := FindLongHeader(t)
	if err != nil {
		return nil, nil, err
	}
	column := func(r Row, name string) string { return r.Cell(cols[name]) }
	observations := make([]bizenv.Observation, 0, len(t.Rows)-head-1)
	var rejects []bizenv.Reject
	for _, r := range t.Rows[head+1:] {
		if r.Blank() {
			continue
		}
		obs, ok, reject := v.Check(Record{
			File:      t.Name,
			Line:      r.Line,
			Raw:       r.Raw,
			Period:    column(r, "period"),
			Entity:    column(r, "entity"),
			Indicator: column(r, "indicator"),
			Value:     column(r, "value"),
			Source:    column(r, "source"),
			Note:      column(r, "note"),
		})
		if ok {
			observations = append(observations, obs)
		} else if reject != nil {
			rejects = append(rejects, *reject)
		}
	}
	if len(observations) == 0 {
		observations = nil // none, as before any was appended
	}
	return observations, rejects, nil
}

// FindLongHeader finds the long format's header row in t, under the
// columns' English or Chinese names, as FindHeader does. cols has the index
// of period, entity, indicator and value, and of source and note: -1 when
// the file has none.
func FindLongHeader(t *Table) (row int, cols map[string]int, err error) {
	head, cols, err := FindHeaderOf(t, longColumns[:4])
	if err != nil {
		return -1, nil, err
	}
	optional := headerColumns(t.Rows[head], longColumns[4:])
	for _, c := range longColumns[4:] {
		if i, ok := optional[c[0]]; ok {
			cols[c[0]] = i
		} else {
			cols[c[0]] = -1
		}
	}
	return head, cols, nil
}
