package collectors

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv/config"
)

// Info is a prometheus.Collector of bizenv_collector_info{collector,title}:
// one series (always 1) per configured collector, with its title as
// configured ("" when it has none), so that the alert rules can name a
// collector as people call it.
type Info struct {
	desc   *prometheus.Desc
	titles map[string]string
}

// NewInfo returns the info series of cfg's collectors.
func NewInfo(cfg *config.Config) *Info {
	titles := make(map[string]string, len(cfg.Sources))
	for _, c := range cfg.Sources {
		titles[c.Name] = c.Title
	}
	return &Info{
		desc: prometheus.NewDesc("bizenv_collector_info",
			"A configured collector and its title (empty when it has none); always 1.",
			[]string{"collector", "title"}, nil),
		titles: titles,
	}
}

// Describe sends the one description.
func (i *Info) Describe(ch chan<- *prometheus.Desc) { ch <- i.desc }

// Collect sends one series per collector.
func (i *Info) Collect(ch chan<- prometheus.Metric) {
	for name, title := range i.titles {
		ch <- prometheus.MustNewConstMetric(i.desc, prometheus.GaugeValue, 1, name, title)
	}
}
