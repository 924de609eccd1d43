package report

import (
	"html/template"
	"strings"
)

// syntheticMark is the mark the page puts on a synthetic figure.
const syntheticMark = `<sup class="syn" title="合成数据，非真实通报">※</sup>`

// mark is syntheticMark for a synthetic figure, else nothing.
func mark(p Provenance) template.HTML {
	if p.Synthetic {
		return syntheticMark
	}
	return ""
}

// sourced is a figure of a table and where it came from.
type sourced struct {
	name string
	Provenance
}

// footnote writes the footnote of a table: each source, with its note,
// and the figures that came from it, in the order of the rows. Every text
// is escaped: sources and notes are whatever the input said.
func footnote(rows []sourced) template.HTML {
	var order []Provenance
	names := map[Provenance][]string{}
	for _, r := range rows {
		if _, ok := names[r.Provenance]; !ok {
			order = append(order, r.Provenance)
		}
		names[r.Provenance] = append(names[r.Provenance], r.name)
	}
	if len(order) == 0 {
		return ""
	}
	var parts []string
	for _, p := range order {
		part := template.HTMLEscapeString(p.Source)
		if part == "" {
			part = "未注明"
		}
		if p.Synthetic {
			part += syntheticMark
		}
		if p.Note != "" {
			part += "，备注“" + template.HTMLEscapeString(p.Note) + "”"
		}
		parts = append(parts, part+"（"+template.HTMLEscapeString(strings.Join(names[p], "、"))+"）")
	}
	return template.HTML(`<p class="src">来源：` + strings.Join(parts, "；") + `。</p>`)
}

// sources lists the figures of a table for footnote: the rows of a
// []Change, []Gap, []Miss, []ItemScore or []PeerRank, or the report's
// headline figures.
func sources(v any) []sourced {
	switch s := v.(type) {
	case []Change:
		return rowSources(s, func(c Change) sourced { return sourced{c.NameZH, c.Provenance} })
	case []Gap:
		return rowSources(s, func(g Gap) sourced { return sourced{g.NameZH, g.Provenance} })
	case []Miss:
		return rowSources(s, func(m Miss) sourced { return sourced{m.NameZH, m.Provenance} })
	case []ItemScore:
		return rowSources(s, func(it ItemScore) sourced { return sourced{it.NameZH, it.Provenance} })
	case []PeerRank:
		return rowSources(s, func(p PeerRank) sourced { return sourced{p.NameZH, p.Provenance} })
	case *Report:
		var out []sourced
		if s.Rank.Value != nil {
			out = append(out, sourced{"全市营商环境考核排名", s.Rank.Provenance})
		}
		if s.Score.Value != nil {
			out = append(out, sourced{"全市营商环境考核得分", s.Score.Provenance})
		}
		return out
	}
	return nil
}

// rowSources is each row of a table as sourced by of.
func rowSources[T any](rows []T, of func(T) sourced) []sourced {
	out := make([]sourced, 0, len(rows))
	for _, r := range rows {
		out = append(out, of(r))
	}
	return out
}

// Synthetic reports whether any figure the page shows is synthetic: the
// headline figures, the score's items and the rows of the tables, as many
// as the page lists (shownDeclined, shownImproved, LastAmongPeers).
func (r *Report) Synthetic() bool {
	all := sources(r)
	for _, v := range []any{r.Declined[:min(shownDeclined, len(r.Declined))], r.Improved[:min(shownImproved, len(r.Improved))],
		r.BelowBenchmark, r.TargetsMissed, r.LastAmongPeers()} {
		all = append(all, sources(v)...)
	}
	if r.ScoreBreakdown != nil {
		all = append(all, sources(r.ScoreBreakdown.Items)...)
	}
	for _, s := range all {
		if s.Synthetic {
			return true
		}
	}
	return false
}
