package demotest

import (
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
)

// Selectors returns the vector selectors of a parsed PromQL expression.
func Selectors(expr parser.Expr) []*parser.VectorSelector {
	var vss []*parser.VectorSelector
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			vss = append(vss, vs)
		}
		return nil
	})
	return vss
}

// MetricName returns the metric name a selector matches exactly, or "".
func MetricName(vs *parser.VectorSelector) string {
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel {
			return m.Value
		}
	}
	return ""
}

// SelectsSome reports whether the matchers of vs match a series of f.
// Prometheus adds job and instance when it scrapes; they are not matched.
func SelectsSome(vs *parser.VectorSelector, f *dto.MetricFamily) bool {
	for _, m := range f.GetMetric() {
		series := map[string]string{model.MetricNameLabel: f.GetName()}
		for _, l := range m.GetLabel() {
			series[l.GetName()] = l.GetValue()
		}
		matches := true
		for _, lm := range vs.LabelMatchers {
			matches = matches && lm.Matches(series[lm.Name])
		}
		if matches {
			return true
		}
	}
	return false
}
