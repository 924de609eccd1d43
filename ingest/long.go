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
	head, cols, err := FindHeaderOf(t, longColumns[:4])
	if err != nil {
		return nil, nil, err
	}
	optional := headerColumns(t.Rows[head], longColumns[4:])
	column := func(r Row, name string) string {
		if i, ok := cols[name]; ok {
			return r.Cell(i)
		} else if i, ok := optional[name]; ok {
			return r.Cell(i)
		}
		return ""
	}
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
