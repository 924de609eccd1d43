package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bizenv/bizenv"
)

// ActionCounter counts the rectification ledger. postgres.ActionStore is
// one.
type ActionCounter interface {
	// ActionCounts returns the actions by unit and status, and how many
	// of them are overdue today (Asia/Shanghai).
	ActionCounts(ctx context.Context) ([]bizenv.ActionCount, error)
}

// ActionsCollector exports the ledger: bizenv_actions{owner,status} and
// bizenv_actions_overdue{owner} (SPEC section 6).
//
// It is registered with the live registry, which is gathered on every
// scrape, and not rendered with the data that Handler caches by data
// version: whether an action is overdue changes at midnight in Shanghai
// with no write to the database, so a rendering cached until the next
// write would keep saying "not overdue" for days. The query is one GROUP
// BY over the ledger, which is small (hundreds of rows per district).
type ActionsCollector struct {
	src              ActionCounter
	logger           *slog.Logger
	timeout          time.Duration
	actions, overdue *prometheus.Desc
}

// NewActionsCollector returns a collector reading src on every scrape.
func NewActionsCollector(src ActionCounter, logger *slog.Logger) *ActionsCollector {
	return &ActionsCollector{src: src, logger: logger, timeout: 5 * time.Second,
		actions: prometheus.NewDesc(namespace+"_actions",
			"Rectification ledger actions by responsible unit and status (open, in_progress, done, ongoing).",
			[]string{"owner", "status"}, nil),
		overdue: prometheus.NewDesc(namespace+"_actions_overdue",
			"Open or in-progress ledger actions of the responsible unit whose due date is before today in Asia/Shanghai; 0 for a unit with actions and none overdue.",
			[]string{"owner"}, nil),
	}
}

// Describe sends the two descriptions.
func (c *ActionsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.actions
	ch <- c.overdue
}

// Collect emits nothing when the ledger cannot be read, rather than
// failing the scrape; the data metrics report the database's health.
func (c *ActionsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	counts, err := c.src.ActionCounts(ctx)
	if err != nil {
		c.logger.Error("read the ledger's counts", "err", err)
		return
	}
	overdue := map[string]int{}
	var owners []string
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.actions, prometheus.GaugeValue, float64(n.Actions), n.Owner, string(n.Status))
		if _, seen := overdue[n.Owner]; !seen {
			owners = append(owners, n.Owner)
		}
		overdue[n.Owner] += n.Overdue
	}
	for _, o := range owners {
		ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue, float64(overdue[o]), o)
	}
}
