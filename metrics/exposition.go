package metrics

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/bizenv/bizenv"
)

// VersionedSource is a Source that can tell cheaply whether its data
// changed: DataVersion changes with every committed write that could change
// the Snapshot, and Snapshot reports the version it was read at.
type VersionedSource interface {
	Source
	DataVersion(ctx context.Context) (int64, error)
}

// Handler serves /metrics. The metrics of the stored data are rendered once
// per data change and served from memory, plain and gzipped; each scrape
// only reads the data version, so it still reflects every write committed
// before it began, by any process. The process's own metrics (the live
// registry) are gathered on every scrape. When the database cannot be read,
// the last rendering is served with bizenv_data_stale 1.
type Handler struct {
	src     VersionedSource
	col     *definitions
	live    prometheus.Gatherer
	logger  *slog.Logger
	timeout time.Duration

	health        *prometheus.Registry
	scrapeSuccess prometheus.Gauge
	dataStale     prometheus.Gauge
	scrapeSeconds prometheus.Gauge

	mu       sync.Mutex // held while rendering, so concurrent scrapes render once
	rendered *rendering
}

// rendering is the data part of the exposition at one data version.
type rendering struct {
	version int64
	plain   []byte
	gzipped []byte // one complete gzip member
}

// scrapeTimeout bounds how long one scrape waits for the data.
const scrapeTimeout = 10 * time.Second

// NewHandler returns the /metrics handler for the data of src, followed by
// what live gathers. It logs the series it has to skip to logger.
func NewHandler(src VersionedSource, live prometheus.Gatherer, logger *slog.Logger) *Handler {
	h := &Handler{src: src, col: newDefinitions(logger), live: live, logger: logger, timeout: scrapeTimeout, health: prometheus.NewRegistry()}
	h.scrapeSuccess = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "scrape_success",
		Help: "1 if this scrape read the database, else 0."})
	h.dataStale = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "data_stale",
		Help: "1 if this scrape could not read the database and serves the last data it read before, else 0."})
	h.scrapeSeconds = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "scrape_duration_seconds",
		Help: "Time this scrape spent reading the database (and rendering, when the data changed)."})
	h.health.MustRegister(h.scrapeSuccess, h.dataStale, h.scrapeSeconds)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	data, err := h.current(ctx)
	cancel()
	h.scrapeSeconds.Set(time.Since(start).Seconds())
	if err != nil {
		h.logger.Error("read metrics data", "err", err, "serving_stale", data != nil)
		h.scrapeSuccess.Set(0)
		h.dataStale.Set(boolToFloat(data != nil))
	} else {
		h.scrapeSuccess.Set(1)
		h.dataStale.Set(0)
	}

	var head bytes.Buffer
	if err := encodeText(&head, prometheus.Gatherers{h.health, h.live}); err != nil {
		h.logger.Error("gather process metrics", "err", err)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		// A gzip stream may hold several members; readers join them.
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		zw.Write(head.Bytes())
		zw.Close()
		if data != nil {
			w.Write(data.gzipped)
		}
		return
	}
	w.Write(head.Bytes())
	if data != nil {
		w.Write(data.plain)
	}
}

// current returns the rendering of the data as it is now, rendering it
// again when the data version moved. On error it returns the last rendering
// (or nil) with the error.
func (h *Handler) current(ctx context.Context) (*rendering, error) {
	v, err := h.src.DataVersion(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		return h.rendered, err
	}
	if h.rendered != nil && h.rendered.version == v {
		return h.rendered, nil
	}
	snap, err := h.src.Snapshot(ctx)
	if err != nil {
		return h.rendered, err
	}
	r, err := h.render(snap)
	if err != nil {
		return h.rendered, err
	}
	h.rendered = r
	return r, nil
}

// render writes the exposition of snap. It groups the metrics by family
// itself, in the order the snapshot lists the series, instead of gathering
// them through a registry: sorting half a million series by their labels
// took a third of the time, and nothing needs them sorted.
func (h *Handler) render(snap *bizenv.Snapshot) (*rendering, error) {
	ch := make(chan prometheus.Metric, 4096)
	go func() {
		h.col.collectSnapshot(ch, snap)
		close(ch)
	}()
	byDesc := map[*prometheus.Desc]*dto.MetricFamily{}
	var err error
	for m := range ch {
		var pm dto.Metric
		if werr := m.Write(&pm); werr != nil {
			err = cmp.Or(err, werr)
			continue
		}
		f := byDesc[m.Desc()]
		if f == nil {
			meta := h.col.families[m.Desc()]
			f = &dto.MetricFamily{Name: proto.String(meta.name), Help: proto.String(meta.help), Type: metricType(&pm)}
			byDesc[m.Desc()] = f
		}
		f.Metric = append(f.Metric, &pm)
	}
	if err != nil {
		return nil, fmt.Errorf("render metrics: %w", err)
	}
	families := slices.SortedFunc(maps.Values(byDesc), func(a, b *dto.MetricFamily) int {
		return strings.Compare(a.GetName(), b.GetName())
	})
	var plain bytes.Buffer
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&plain, f); err != nil {
			return nil, fmt.Errorf("render metrics: %w", err)
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	zw.Write(plain.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &rendering{version: snap.Version, plain: plain.Bytes(), gzipped: gz.Bytes()}, nil
}

func metricType(m *dto.Metric) *dto.MetricType {
	if m.Counter != nil {
		return dto.MetricType_COUNTER.Enum()
	}
	return dto.MetricType_GAUGE.Enum()
}

func encodeText(w *bytes.Buffer, g prometheus.Gatherer) error {
	families, err := g.Gather()
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if encErr := enc.Encode(f); encErr != nil && err == nil {
			err = encErr
		}
	}
	return err
}

func boolToFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
