package metrics

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/bizenv/bizenv"
)

// VersionedSource is a Source that can tell cheaply whether its data
// changed: DataVersion changes with every committed write that could change
// the Snapshot, and Snapshot reports the version it was read at.
type VersionedSource interface {
	Source
	DataVersion(ctx context.Context) (int64, error)
}

// DeltaSource is a VersionedSource that can read only what changed since
// an earlier version, and hand the series over one at a time rather than
// in one slice. postgres.DB is one.
type DeltaSource interface {
	VersionedSource
	// SnapshotSince reads a snapshot like Snapshot, but passes each series
	// to fn, entity by entity (all the series of one entity together),
	// instead of collecting them in Series, with the snapshot as read so far
	// (its version and catalog; not its collectors). When since is not 0 and the
	// catalog has not changed since that version, the snapshot may be
	// Partial: it then holds the series of only the entities a write since
	// then may have changed (bizenv.Snapshot.Changed).
	SnapshotSince(ctx context.Context, since int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error)
}

// MaxShards bounds the shards parameter of /metrics.
const MaxShards = 1024

// RenderTimeout bounds one read and render of the data after a change,
// which may outlast the scrape that started it (see Handler).
const RenderTimeout = 5 * time.Minute

// Handler serves /metrics. The metrics of the stored data are rendered per
// entity into gzip members, kept in memory and served from there; each
// scrape reads only the data version, so it still reflects every write
// committed before it began, by any process. After a write, only the
// entities the write may have changed are read and rendered again (with
// those benchmarked on them). The process's own metrics (the live registry)
// are gathered on every scrape. When the database cannot be read, the last
// rendering is served with bizenv_data_stale 1.
//
// /metrics?shard=K&shards=N serves the series of the entities whose code
// hashes (FNV-1a, 32 bits) to K modulo N; the catalog (info) metrics, the
// collectors' and the live registry's are served on shard 0 only. The
// scrape's own health (bizenv_scrape_success, bizenv_data_stale,
// bizenv_scrape_duration_seconds) is on every shard: it is that scrape's.
type Handler struct {
	src     DeltaSource
	defs    *definitions // the data's metric families
	live    prometheus.Gatherer
	logger  *slog.Logger
	timeout time.Duration

	health        *prometheus.Registry
	scrapeSuccess prometheus.Gauge
	dataStale     prometheus.Gauge
	scrapeSeconds prometheus.Gauge

	families []family                 // the data families, by name
	index    map[*prometheus.Desc]int // a Desc's place in families
	headers  [][]byte                 // each family's HELP and TYPE lines, one gzip member each

	renderTimeout time.Duration

	mu        sync.Mutex
	rendered  *exposition
	rendering chan struct{} // while a read and render runs: closed when it ends
	renderErr error         // how the last one ended
	zw        *gzip.Writer  // reused for every member, by one render at a time
}

// exposition is the data part of /metrics at one data version, as gzip
// members: a block per entity, one for the catalog and one for the
// collectors. A gzip stream may hold several members, which readers join,
// so a shard's exposition is the concatenation of its blocks' members,
// family by family.
type exposition struct {
	version    int64
	codes      []string // entity codes, sorted: the order of the series
	entities   map[string]*block
	catalog    *block
	collectors *block

	served map[shard][]byte // assembled shards, at version
}

// block is the rendered samples of one entity (or of the catalog, or of the
// collectors): the gzip member of family f is gz[ends[f-1]:ends[f]], empty
// when it has no samples of f.
type block struct {
	hash uint32 // of the entity code, which places it on a shard
	gz   []byte
	ends []uint32
}

func (b *block) member(f int) []byte {
	if b == nil {
		return nil
	}
	start := uint32(0)
	if f > 0 {
		start = b.ends[f-1]
	}
	return b.gz[start:b.ends[f]]
}

// shard is the part of /metrics one scrape asks for: entities whose hash is
// k modulo n. n is 0 for the whole.
type shard struct{ k, n uint32 }

func (s shard) has(b *block) bool { return s.n == 0 || b.hash%s.n == s.k }

// first is whether the shard serves the catalog, the collectors and the
// process's own metrics.
func (s shard) first() bool { return s.k == 0 }

// scrapeTimeout bounds how long one scrape waits for the data.
const scrapeTimeout = 10 * time.Second

// NewHandler returns the /metrics handler for the data of src, followed by
// what live gathers; it logs the series it has to skip to logger. A src
// that is not a DeltaSource is read whole after every write.
func NewHandler(src VersionedSource, live prometheus.Gatherer, logger *slog.Logger) *Handler {
	ds, ok := src.(DeltaSource)
	if !ok {
		ds = wholeSnapshots{src}
	}
	c := newDefinitions(logger)
	h := &Handler{src: ds, defs: c, live: live, logger: logger, timeout: scrapeTimeout, renderTimeout: RenderTimeout,
		health: prometheus.NewRegistry()}
	h.scrapeSuccess = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "scrape_success",
		Help: "1 if this scrape read the database, else 0."})
	h.dataStale = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "data_stale",
		Help: "1 if this scrape could not read the database and serves the last data it read before, else 0."})
	h.scrapeSeconds = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "scrape_duration_seconds",
		Help: "Time this scrape spent reading the database (and rendering, when the data changed)."})
	h.health.MustRegister(h.scrapeSuccess, h.dataStale, h.scrapeSeconds)

	descs := c.dataDescs()
	slices.SortFunc(descs, func(a, b *prometheus.Desc) int {
		return strings.Compare(c.families[a].name, c.families[b].name)
	})
	h.index = make(map[*prometheus.Desc]int, len(descs))
	h.zw, _ = gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	for i, d := range descs {
		f := c.families[d]
		// Labels by name, as client_golang writes them.
		f.labelOrder = make([]int, len(f.labels))
		for l := range f.labelOrder {
			f.labelOrder[l] = l
		}
		slices.SortFunc(f.labelOrder, func(a, b int) int { return strings.Compare(f.labels[a], f.labels[b]) })
		h.index[d] = i
		h.families = append(h.families, f)
		typ := "gauge"
		if f.counter {
			typ = "counter"
		}
		text := fmt.Sprintf("# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, typ)
		h.headers = append(h.headers, h.compress(nil, []byte(text)))
	}
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sh, err := parseShard(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	data, err := h.current(ctx, sh)
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
	gatherers := prometheus.Gatherers{h.health}
	if sh.first() {
		gatherers = append(gatherers, h.live)
	}
	if err := encodeText(&head, gatherers); err != nil {
		h.logger.Error("gather process metrics", "err", err)
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		zw.Write(head.Bytes())
		zw.Close()
		w.Write(data)
		return
	}
	w.Write(head.Bytes())
	if len(data) > 0 {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			_, err = io.Copy(w, zr)
		}
		if err != nil {
			h.logger.Error("write metrics", "err", err)
		}
	}
}

// parseShard reads the shard and shards parameters: both or neither.
func parseShard(q url.Values) (shard, error) {
	k, n := q["shard"], q["shards"]
	if len(k) == 0 && len(n) == 0 {
		return shard{}, nil
	}
	if len(k) != 1 || len(n) != 1 {
		return shard{}, errors.New("bad shard parameters: give shard and shards once each, or neither")
	}
	shards, err := strconv.ParseUint(n[0], 10, 32)
	if err != nil || shards < 1 || shards > MaxShards {
		return shard{}, fmt.Errorf("bad shard parameters: shards must be a whole number from 1 to %d, got %q", MaxShards, n[0])
	}
	kk, err := strconv.ParseUint(k[0], 10, 32)
	if err != nil || kk >= shards {
		return shard{}, fmt.Errorf("bad shard parameters: shard must be a whole number from 0 to %d (shards - 1), got %q", shards-1, k[0])
	}
	if shards == 1 {
		return shard{}, nil
	}
	return shard{k: uint32(kk), n: uint32(shards)}, nil
}

// ShardOf returns the shard, of n, that serves the series of entity.
func ShardOf(entity string, n int) int {
	return int(hashCode(entity) % uint32(n))
}

func hashCode(code string) uint32 {
	f := fnv.New32a()
	f.Write([]byte(code))
	return f.Sum32()
}

// current returns the gzipped data part of sh as the data is now, reading
// and rendering what changed when the data version moved. On error it
// returns what the last rendering had (or nil) with the error.
//
// The read and render run apart from the scrape, bounded by RenderTimeout
// rather than by the scrape's timeout: the first rendering of a national
// catalog can take longer than a scrape may, and a scrape that gave up
// would otherwise leave the next one to start again from nothing. A scrape
// that waits longer than its timeout serves the last rendering, stale, and
// a later scrape serves the one that finished meanwhile.
func (h *Handler) current(ctx context.Context, sh shard) ([]byte, error) {
	v, err := h.src.DataVersion(ctx)
	h.mu.Lock()
	if err == nil && (h.rendered == nil || h.rendered.version != v) {
		done := h.rendering
		if done == nil {
			done = make(chan struct{})
			h.rendering = done
			go h.render(done)
		}
		h.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
		}
		h.mu.Lock()
		select {
		case <-done:
			err = h.renderErr
		default:
			err = fmt.Errorf("render metrics of data version %d: still rendering when the scrape timed out", v)
		}
	}
	defer h.mu.Unlock()
	if h.rendered == nil {
		return nil, err
	}
	return h.rendered.assemble(h, sh), err
}

// render runs one update and closes done when it is over.
func (h *Handler) render(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), h.renderTimeout)
	defer cancel()
	next, err := h.update(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.rendered = next
	}
	h.renderErr = err
	h.rendering = nil
	close(done)
}

// update reads what changed since the last rendering and renders it into a
// new exposition, which shares the blocks of the entities that did not
// change with the last one. The last one is left as it was, to be served
// if this fails.
func (h *Handler) update(ctx context.Context) (*exposition, error) {
	var since int64
	if h.rendered != nil {
		since = h.rendered.version
	}
	r := renderer{h: h, plain: make([][]byte, len(h.families)), fresh: map[string]*block{}}
	var indicators map[string]bizenv.Indicator
	snap, err := h.src.SnapshotSince(ctx, since, func(snap *bizenv.Snapshot, s bizenv.SeriesStatus) error {
		if indicators == nil {
			indicators = indicatorsByCode(snap.Catalog)
		}
		if s.Entity != r.entity {
			if err := r.flushEntity(); err != nil {
				return err
			}
			r.entity = s.Entity
		}
		h.defs.collectSeries(&r, indicators, s)
		return nil
	})
	if err == nil {
		err = r.flushEntity()
	}
	if err != nil {
		return nil, fmt.Errorf("render metrics: %w", err)
	}

	next := &exposition{version: snap.Version, served: map[shard][]byte{}}
	if snap.Partial && h.rendered != nil {
		next.entities = maps.Clone(h.rendered.entities)
		next.catalog = h.rendered.catalog
		for _, code := range snap.Changed {
			delete(next.entities, code)
		}
	} else {
		next.entities = make(map[string]*block, len(r.fresh))
		h.defs.collectCatalog(&r, snap.Catalog)
		next.catalog = r.flush(0)
	}
	maps.Copy(next.entities, r.fresh)
	h.defs.collectCollectors(&r, snap.Collectors)
	next.collectors = r.flush(0)
	next.codes = slices.Sorted(maps.Keys(next.entities))
	h.logger.Debug("rendered metrics", "version", snap.Version, "partial", snap.Partial, "entities", len(r.fresh))
	return next, nil
}

// assemble returns the gzipped data part of sh.
func (x *exposition) assemble(h *Handler, sh shard) []byte {
	if b, ok := x.served[sh]; ok {
		return b
	}
	var blocks []*block
	if sh.first() {
		blocks = append(blocks, x.catalog, x.collectors)
	}
	size := 0
	for _, code := range x.codes {
		if b := x.entities[code]; sh.has(b) {
			blocks = append(blocks, b)
		}
	}
	for _, b := range blocks {
		size += len(b.gz)
	}
	for _, hd := range h.headers {
		size += len(hd)
	}
	out := make([]byte, 0, size)
	for f := range h.families {
		header := false
		for _, b := range blocks {
			m := b.member(f)
			if len(m) == 0 {
				continue
			}
			if !header {
				out = append(out, h.headers[f]...)
				header = true
			}
			out = append(out, m...)
		}
	}
	// Kept for the next scrapes of the same shard; a few shardings at most,
	// so that asking for every (shard, shards) cannot hold the data
	// hundreds of times over.
	if len(x.served) < maxServed {
		x.served[sh] = out
	}
	return out
}

// maxServed bounds the assembled shards kept per data version.
const maxServed = 64

// renderer writes samples as text, family by family, and compresses them
// into blocks.
type renderer struct {
	h      *Handler
	plain  [][]byte // text of the current block, by family
	entity string   // whose series plain holds
	fresh  map[string]*block
	out    []byte
}

func (r *renderer) flushEntity() error {
	if r.entity == "" {
		return nil
	}
	if _, dup := r.fresh[r.entity]; dup {
		return fmt.Errorf("the series of entity %q do not come together", r.entity)
	}
	r.fresh[r.entity] = r.flush(hashCode(r.entity))
	return nil
}

// flush compresses the text written since the last flush into a block.
func (r *renderer) flush(hash uint32) *block {
	b := &block{hash: hash, ends: make([]uint32, len(r.plain))}
	r.out = r.out[:0]
	for f, text := range r.plain {
		if len(text) > 0 {
			r.out = r.h.compress(r.out, text)
			r.plain[f] = text[:0]
		}
		b.ends[f] = uint32(len(r.out))
	}
	b.gz = bytes.Clone(r.out)
	return b
}

// compress appends text to dst as one gzip member.
func (h *Handler) compress(dst, text []byte) []byte {
	buf := bytes.NewBuffer(dst)
	h.zw.Reset(buf)
	h.zw.Write(text)
	h.zw.Close()
	return buf.Bytes()
}

// gauge and counter write one sample of the family d; its type is the
// family's.
func (r *renderer) gauge(d *prometheus.Desc, v float64, labels ...string)   { r.sample(d, v, labels) }
func (r *renderer) counter(d *prometheus.Desc, v float64, labels ...string) { r.sample(d, v, labels) }

// sample writes one sample line in the text format, or logs and skips it
// when a label value is not valid UTF-8.
func (r *renderer) sample(d *prometheus.Desc, v float64, labels []string) {
	f := r.h.index[d]
	fam := r.h.families[f]
	for _, l := range labels {
		if !utf8.ValidString(l) {
			r.h.logger.Warn("skip metric", "desc", d.String(), "labels", labels, "err", "label value is not valid UTF-8")
			return
		}
	}
	b := append(r.plain[f], fam.name...)
	if len(labels) > 0 {
		b = append(b, '{')
		for i, l := range fam.labelOrder {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, fam.labels[l]...)
			b = append(b, '=', '"')
			b = appendLabelValue(b, labels[l])
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	r.plain[f] = append(b, '\n')
}

// appendLabelValue escapes a label value as the text format wants it.
func appendLabelValue(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '"':
			b = append(b, '\\', '"')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendFloat writes v as expfmt does.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case v == 0:
		return append(b, '0')
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// wholeSnapshots reads a VersionedSource whole, every time.
type wholeSnapshots struct{ VersionedSource }

func (w wholeSnapshots) SnapshotSince(ctx context.Context, _ int64, fn func(*bizenv.Snapshot, bizenv.SeriesStatus) error) (*bizenv.Snapshot, error) {
	snap, err := w.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	series := slices.Clone(snap.Series)
	slices.SortStableFunc(series, func(a, b bizenv.SeriesStatus) int { return cmp.Compare(a.Entity, b.Entity) })
	for _, s := range series {
		if err := fn(snap, s); err != nil {
			return nil, err
		}
	}
	return snap, nil
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
