package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/bizenv/bizenv"
)

//go:embed report.html.tmpl
var htmlTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"show":          Show,
	"showChange":    ShowChange,
	"month":         monthZH,
	"rank":          rankText,
	"optShow":       optShow,
	"chart":         chart,
	"statusZH":      statusZH,
	"deref":         func(v *int) int { return *v },
	"mark":          mark,
	"shownDeclined": func() int { return shownDeclined },
	"shownImproved": func() int { return shownImproved },
	"footnote":      func(v any) template.HTML { return footnote(sources(v)) },
	"abs": func(v int) int {
		if v < 0 {
			return -v
		}
		return v
	},
	"limit": func(n int, v any) any {
		switch s := v.(type) {
		case []Change:
			return s[:min(n, len(s))]
		case []Gap:
			return s[:min(n, len(s))]
		case []Miss:
			return s[:min(n, len(s))]
		}
		return v
	},
}).Parse(htmlTemplate))

// How many declined and improved indicators the page lists; the JSON and
// CSV forms list them all.
const (
	shownDeclined = 10
	shownImproved = 8
)

// WriteHTML writes r as one self-contained Chinese page: styles and the
// chart are inline, nothing is fetched, and it prints on A4.
func WriteHTML(w io.Writer, r *Report) error {
	return page.Execute(w, r)
}

func monthZH(p bizenv.Period) string { return fmt.Sprintf("%d年%d月", p.Year, int(p.Month)) }

// chart draws the trend as an inline SVG: the rank on the left axis, first
// place at the top, and the score on the right axis.
func chart(r *Report) template.HTML {
	const (
		w, h                     = 680.0, 250.0
		left, right, top, bottom = 44.0, 48.0, 24.0, 34.0
	)
	pw, ph := w-left-right, h-top-bottom
	n := len(r.Trend)
	x := func(i int) float64 { return left + pw*(float64(i)+0.5)/float64(max(n, 1)) }

	worst := max(r.Rank.Of, 1)
	smin, smax := math.Inf(1), math.Inf(-1)
	for _, t := range r.Trend {
		if t.Rank != nil {
			worst = max(worst, *t.Rank)
		}
		if t.Score != nil {
			smin, smax = math.Min(smin, *t.Score), math.Max(smax, *t.Score)
		}
	}
	yRank := func(v int) float64 { return top + ph*float64(v-1)/float64(max(worst-1, 1)) }
	if math.IsInf(smin, 1) {
		smin, smax = 0, 100
	} else {
		smin, smax = math.Floor(smin-2), math.Ceil(smax+2)
	}
	yScore := func(v float64) float64 { return top + ph*(smax-v)/(smax-smin) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" width="100%%" role="img" aria-label="近12个月排名与得分趋势">`, w, h)
	// Grid and the rank axis: every rank that fits, first at the top.
	stepRank := max(1, int(math.Ceil(float64(worst)/8)))
	for v := 1; v <= worst; v += stepRank {
		y := yRank(v)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" class="grid"/>`, left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="axis rank-axis" text-anchor="end">%d</text>`, left-6, y+4, v)
	}
	for i := 0; i <= 4; i++ {
		v := smin + (smax-smin)*float64(i)/4
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" class="axis score-axis">%.0f</text>`, w-right+6, yScore(v)+4, v)
	}
	fmt.Fprintf(&b, `<text x="%g" y="12" class="axis rank-axis" text-anchor="start">排名（名）</text>`, 4.0)
	fmt.Fprintf(&b, `<text x="%g" y="12" class="axis score-axis" text-anchor="end">得分（分）</text>`, w-4)
	for i, t := range r.Trend {
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" class="axis" text-anchor="middle">%d/%02d</text>`, x(i), h-12, t.Period.Year%100, int(t.Period.Month))
	}
	line := func(class string, y func(TrendPoint) (float64, bool)) {
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" class="%s"/>`, strings.Join(pts, " "), class)
			}
			pts = nil
		}
		for i, t := range r.Trend {
			yy, ok := y(t)
			if !ok {
				flush() // a missing month breaks the line
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), yy))
		}
		flush()
	}
	line("score-line", func(t TrendPoint) (float64, bool) {
		if t.Score == nil {
			return 0, false
		}
		return yScore(*t.Score), true
	})
	line("rank-line", func(t TrendPoint) (float64, bool) {
		if t.Rank == nil {
			return 0, false
		}
		return yRank(*t.Rank), true
	})
	for i, t := range r.Trend {
		if t.Score != nil {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" class="score-dot"/>`, x(i), yScore(*t.Score))
		}
		if t.Rank != nil {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" class="rank-dot"/>`, x(i), yRank(*t.Rank))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="rank-label" text-anchor="middle">%d</text>`, x(i), yRank(*t.Rank)-8, *t.Rank)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers only
}
