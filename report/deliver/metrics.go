package deliver

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
)

// TotalsSource reads the delivery counts.
type TotalsSource = bizenv.DeliveryTotalsService

// Collector serves bizenv_report_deliveries_total{channel,result} from the
// deliveries table, so every replica shows the same counts: result success
// counts reports sent, failure counts sends that failed.
type Collector struct {
	src    TotalsSource
	logger *slog.Logger
	desc   *prometheus.Desc
}

// NewCollector returns a Collector reading src on every scrape.
func NewCollector(src TotalsSource, logger *slog.Logger) *Collector {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Collector{src: src, logger: logger, desc: prometheus.NewDesc("bizenv_report_deliveries_total",
		"Monthly reports sent (result success) and sends that failed (result failure), by channel.",
		[]string{"channel", "result"}, nil)}
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect emits nothing when the database cannot be read, rather than
// failing the scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	totals, err := c.src.DeliveryTotals(ctx)
	if err != nil {
		c.logger.Error("read report deliveries", "err", err)
		return
	}
	for _, t := range totals {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(t.Sent), t.Channel, "success")
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(t.Failed), t.Channel, "failure")
	}
}
