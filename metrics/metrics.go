// Package metrics turns what bizenv has stored into Prometheus metrics: the
// latest value of every series with its trend figures, the catalog as info
// metrics and the health of the collectors, served by Handler on /metrics.
// Every scrape reflects what was committed before it began, by any process:
// Handler checks the data version per scrape and renders again only what
// changed.
package metrics

import (
	"context"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
)

// Source reads a consistent snapshot of the stored data. postgres.DB is one.
type Source interface {
	Snapshot(ctx context.Context) (*bizenv.Snapshot, error)
}

const namespace = "bizenv"

// definitions are the metric families of the stored data, and how a
// snapshot becomes their samples. Handler renders them.
type definitions struct {
	logger *slog.Logger

	value, periodTimestamp, previous, change, improvement, declineStreak *prometheus.Desc
	streakStart, streakStartValue                                        *prometheus.Desc
	target, targetMet, vsBenchmark, indicatorInfo, entityInfo            *prometheus.Desc
	frequencyMonths                                                      *prometheus.Desc
	lastRun, lastSuccess, lastRunSuccess, runsTotal, recordsTotal        *prometheus.Desc
	peers                                                                peerDescs

	// families holds the name, help and labels of every Desc, for Handler,
	// which writes the exposition itself.
	families map[*prometheus.Desc]family
}

// newDefinitions returns the definitions, which log the series they have
// to skip to logger.
func newDefinitions(logger *slog.Logger) *definitions {
	series := []string{"indicator", "entity"}
	collector := []string{"collector"}
	families := map[*prometheus.Desc]family{}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		d := prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
		families[d] = family{name: namespace + "_" + name, help: help, labels: labels}
		return d
	}
	c := &definitions{
		families: families,
		logger:   logger,

		value:           desc("indicator_value", "Value of the latest period, in the indicator's unit.", series...),
		periodTimestamp: desc("indicator_period_timestamp_seconds", "UTC start of the latest period with a value.", series...),
		previous: desc("indicator_previous_value",
			"Value of the period before the latest: the month before, or the year before for annual indicators. Absent if that period has no value.", series...),
		change: desc("indicator_change", "Latest value minus the previous value.", series...),
		improvement: desc("indicator_improvement",
			"Change signed so that positive is better: negated for lower_better, 0 for neutral indicators.", series...),
		declineStreak: desc("indicator_decline_streak",
			"Consecutive periods, ending at the latest, in which the indicator declined; a missing period or a non-decline ends it. Always 0 for neutral indicators.", series...),
		streakStart: desc("indicator_decline_streak_start_timestamp_seconds",
			"UTC start of the period the decline streak started from: the period before its first decline. Absent when the streak is 0.", series...),
		streakStartValue: desc("indicator_decline_streak_start_value",
			"Value of the period the decline streak started from, in the indicator's unit. Absent when the streak is 0.", series...),
		target:    desc("indicator_target", "Target from the catalog, where one is set.", series...),
		targetMet: desc("indicator_target_met", "1 if the latest value meets the catalog target, else 0.", series...),
		vsBenchmark: desc("indicator_vs_benchmark",
			"Latest value minus the benchmark entity's value for the same period, signed so that positive is better; the plain difference for neutral indicators.",
			"indicator", "entity", "benchmark"),
		frequencyMonths: desc("indicator_frequency_months",
			"Months between two periods of the indicator: 1 for monthly, 12 for annual ones, so that rules can tell how old is too old.",
			"indicator"),
		indicatorInfo: desc("indicator_info", "Catalog entry of an indicator; always 1.",
			"indicator", "name_zh", "name_en", "unit", "direction", "category"),
		entityInfo: desc("entity_info", "Catalog entry of an entity; always 1. benchmark is empty when it has none.",
			"entity", "name_zh", "name_en", "kind", "benchmark"),

		lastRun:        desc("collector_last_run_timestamp_seconds", "Start of the collector's newest finished run.", collector...),
		lastSuccess:    desc("collector_last_success_timestamp_seconds", "End of the collector's newest successful (or partial) run.", collector...),
		lastRunSuccess: desc("collector_last_run_success", "1 if the collector's newest finished run succeeded (partial counts as success), else 0.", collector...),
		runsTotal:      desc("collector_runs_total", "Finished runs of the collector by result; partial runs count as success.", "collector", "result"),
		recordsTotal:   desc("collector_records_total", "Records handled by the collector's runs, by outcome.", "collector", "outcome"),
	}
	c.peers = newPeerDescs(desc)
	families[c.runsTotal] = counterFamily(families[c.runsTotal])
	families[c.recordsTotal] = counterFamily(families[c.recordsTotal])
	return c
}

func counterFamily(f family) family {
	f.counter = true
	return f
}

// family is what the exposition says of a metric family.
type family struct {
	name, help string
	labels     []string
	labelOrder []int // indexes of labels, sorted by name
	counter    bool
}

// dataDescs are the descriptions of the data metrics, without the scrape's
// own health.
func (c *definitions) dataDescs() []*prometheus.Desc {
	return append([]*prometheus.Desc{
		c.value, c.periodTimestamp, c.previous, c.change, c.improvement, c.declineStreak,
		c.streakStart, c.streakStartValue, c.target, c.targetMet, c.vsBenchmark, c.indicatorInfo, c.entityInfo, c.frequencyMonths,
		c.lastRun, c.lastSuccess, c.lastRunSuccess, c.runsTotal, c.recordsTotal,
	}, c.peers.list()...)
}

func (c *definitions) collectCatalog(out *renderer, cat bizenv.Catalog) {
	for _, i := range cat.Indicators {
		out.gauge(c.indicatorInfo, 1, i.Code, i.NameZH, i.NameEN, i.Unit, string(i.Direction), i.Category)
		out.gauge(c.frequencyMonths, float64(i.Frequency.Step()), i.Code)
		out.gauge(c.peers.alertMinChange, i.AlertMinChange, i.Code)
	}
	for _, en := range cat.Entities {
		out.gauge(c.entityInfo, 1, en.Code, en.NameZH, en.NameEN, en.Kind, en.Benchmark)
	}
}

func indicatorsByCode(cat bizenv.Catalog) map[string]bizenv.Indicator {
	indicators := make(map[string]bizenv.Indicator, len(cat.Indicators))
	for _, i := range cat.Indicators {
		indicators[i.Code] = i
	}
	return indicators
}

// collectSeries sends the metrics of one series. Figures are rounded to
// figureDigits significant digits (SPEC section 6).
func (c *definitions) collectSeries(out *renderer, indicators map[string]bizenv.Indicator, s bizenv.SeriesStatus) {
	ind, ok := indicators[s.Indicator]
	if !ok {
		c.logger.Warn("skip metrics of a series whose indicator is not in the catalog", "indicator", s.Indicator, "entity", s.Entity)
		return
	}
	if !finite(s.Value) {
		c.logger.Warn("skip metrics of a series with a value that is not a number", "indicator", s.Indicator, "entity", s.Entity, "value", s.Value)
		return
	}
	sign := ind.Direction.Sign()
	out.gauge(c.value, figure(s.Value), s.Indicator, s.Entity)
	out.gauge(c.periodTimestamp, float64(s.Period.Time().Unix()), s.Indicator, s.Entity)
	if s.Previous != nil && finite(*s.Previous) {
		change := s.Value - *s.Previous
		out.gauge(c.previous, figure(*s.Previous), s.Indicator, s.Entity)
		out.gauge(c.change, figure(change), s.Indicator, s.Entity)
		out.gauge(c.improvement, positiveZero(figure(change*sign)), s.Indicator, s.Entity)
	}
	out.gauge(c.declineStreak, float64(s.DeclineStreak), s.Indicator, s.Entity)
	if s.DeclineSince != nil && s.DeclineFrom != nil && finite(*s.DeclineFrom) {
		out.gauge(c.streakStart, float64(s.DeclineSince.Time().Unix()), s.Indicator, s.Entity)
		out.gauge(c.streakStartValue, figure(*s.DeclineFrom), s.Indicator, s.Entity)
	}
	if ind.Target != nil {
		met := 0.0
		if ind.MeetsTarget(s.Value) {
			met = 1
		}
		out.gauge(c.target, figure(*ind.Target), s.Indicator, s.Entity)
		out.gauge(c.targetMet, met, s.Indicator, s.Entity)
	}
	if s.Benchmark != "" && s.BenchmarkValue != nil && finite(*s.BenchmarkValue) {
		diff := s.Value - *s.BenchmarkValue
		if sign != 0 {
			diff *= sign
		}
		out.gauge(c.vsBenchmark, positiveZero(figure(diff)), s.Indicator, s.Entity, s.Benchmark)
	}
	c.collectPeers(out, s)
}

func (c *definitions) collectCollectors(out *renderer, collectors []bizenv.CollectorStatus) {
	for _, r := range collectors {
		if r.LastRun != nil {
			success := 0.0
			if r.LastRunSucceeded {
				success = 1
			}
			out.gauge(c.lastRun, unixSeconds(*r.LastRun), r.Name)
			out.gauge(c.lastRunSuccess, success, r.Name)
		}
		if r.LastSuccess != nil {
			out.gauge(c.lastSuccess, unixSeconds(*r.LastSuccess), r.Name)
		}
		out.counter(c.runsTotal, float64(r.Succeeded), r.Name, "success")
		out.counter(c.runsTotal, float64(r.Failed), r.Name, "failure")
		out.counter(c.recordsTotal, float64(r.Records.Inserted), r.Name, "inserted")
		out.counter(c.recordsTotal, float64(r.Records.Updated), r.Name, "updated")
		out.counter(c.recordsTotal, float64(r.Records.Unchanged), r.Name, "unchanged")
		out.counter(c.recordsTotal, float64(r.Records.Rejected), r.Name, "rejected")
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// figureDigits is how many significant digits an indicator's figures are
// exported with (SPEC section 6): more than any stored figure carries, and
// few enough to drop the noise of float subtraction (0.9004-0.9409 is
// -0.040499999999999994, exported as -0.0405).
const figureDigits = 10

// figure rounds v to figureDigits significant digits. Scaling by an exact
// power of ten keeps it cheap (it runs for every series on every
// rendering) and exact: one correctly rounded division; values outside
// that range take the slow, exact way through strconv.
func figure(v float64) float64 {
	if v == 0 || !finite(v) {
		return v
	}
	k := figureDigits - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	// 10^0 to 10^22 are exact in a float64.
	switch {
	case k >= 0 && k <= 22:
		return math.Round(v*math.Pow10(k)) / math.Pow10(k)
	case k < 0 && k >= -22:
		return math.Round(v/math.Pow10(-k)) * math.Pow10(-k)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', figureDigits, 64), 64)
	if err != nil || !finite(r) {
		// Within 10 digits of the largest float64, rounding up overflows;
		// the stored value is then exported as it is.
		return v
	}
	return r
}

// positiveZero turns -0, which a lower_better change of 0 gives, into 0.
func positiveZero(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// NewBuildInfo returns a collector of bizenv_build_info{version,revision,goversion} = 1.
func NewBuildInfo(version, revision string) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   namespace,
		Name:        "build_info",
		Help:        "Version, VCS revision and Go version bizenv was built from; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}
