package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/report"
)

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		s.error(w, r, fmt.Errorf("openapi.yaml: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) handleIndicators(w http.ResponseWriter, r *http.Request) {
	s.serveCatalogList(w, r, "indicators", func(c bizenv.Catalog) any { return nonNil(c.Indicators) })
}

func (s *Server) handleEntities(w http.ResponseWriter, r *http.Request) {
	s.serveCatalogList(w, r, "entities", func(c bizenv.Catalog) any { return nonNil(c.Entities) })
}

// serveCatalogList answers with one list of the catalog under its name.
func (s *Server) serveCatalogList(w http.ResponseWriter, r *http.Request, name string, list func(bizenv.Catalog) any) {
	cat, err := s.cfg.Store.Catalog(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{name: list(cat)})
}

// point is one period of a series, with its provenance: where the figure
// came from (a notice, a platform, "synthetic" for made-up demo data) and
// the note it was stored with.
type point struct {
	Period bizenv.Period `json:"period"`
	Value  float64       `json:"value"`
	Source string        `json:"source"`
	Note   string        `json:"note"`
}

func (s *Server) handleSeries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ind, ent, err := s.catalogCodes(r, q.Get("indicator"), q.Get("entity"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	from, err := optPeriod(q.Get("from"), bizenv.NewPeriod(1, 1), "from")
	if err != nil {
		s.error(w, r, err)
		return
	}
	to, err := optPeriod(q.Get("to"), bizenv.NewPeriod(9999, 12), "to")
	if err != nil {
		s.error(w, r, err)
		return
	}
	if to.Before(from) {
		s.error(w, r, invalid("to %s is before from %s", to, from).ZH("截止期间 to=%s 早于起始期间 from=%s", to, from))
		return
	}
	pts, err := s.cfg.Store.Series(r.Context(), ind.Code, ent.Code, from, to)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := make([]point, 0, len(pts))
	for _, p := range pts {
		data = append(data, point{p.Period, p.Value, p.Source, p.Note})
	}
	writeJSON(w, http.StatusOK, map[string]any{"indicator": ind.Code, "entity": ent.Code, "data": data})
}

// catalogCodes finds the indicator and entity named, each by code,
// name_zh or alias.
func (s *Server) catalogCodes(r *http.Request, indicator, entity string) (bizenv.Indicator, bizenv.Entity, error) {
	if indicator == "" || entity == "" {
		return bizenv.Indicator{}, bizenv.Entity{}, invalid("indicator and entity are required").ZH("缺少参数：indicator（指标）和 entity（单位）均须填写")
	}
	cat, err := s.cfg.Store.Catalog(r.Context())
	if err != nil {
		return bizenv.Indicator{}, bizenv.Entity{}, err
	}
	return findCodes(cat, indicator, entity)
}

// findCodes finds the indicator and entity named in cat, each by code,
// name_zh or alias.
func findCodes(cat bizenv.Catalog, indicator, entity string) (bizenv.Indicator, bizenv.Entity, error) {
	ind, err := cat.FindIndicator(indicator)
	if err != nil {
		return ind, bizenv.Entity{}, err
	}
	ent, err := cat.FindEntity(entity)
	return ind, ent, err
}

func optPeriod(s string, def bizenv.Period, name string) (bizenv.Period, error) {
	if s == "" {
		return def, nil
	}
	p, err := ingest.ParseRequestedPeriod(s, time.Now())
	if err != nil {
		return p, invalid("%s: %s", name, bizenv.ErrorMessage(err)).ZH("参数 %s：%s", name, bizenv.ErrorMessageZH(err))
	}
	return p, nil
}

// handleRankings ranks the peers (same kind, same parent) of entity=, or
// of kind= (default district) and parent=, from their stored values
// (report.RankPeers).
func (s *Server) handleRankings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("indicator") == "" || q.Get("period") == "" {
		s.error(w, r, invalid("indicator and period are required").ZH("缺少参数：indicator（指标）和 period（期间）均须填写"))
		return
	}
	period, err := optPeriod(q.Get("period"), bizenv.Period{}, "period")
	if err != nil {
		s.error(w, r, err)
		return
	}
	rk, err := report.RankPeers(r.Context(), s.cfg.Store, report.RankingsRequest{
		Indicator: q.Get("indicator"), Period: period, Entity: q.Get("entity"),
		Kind: q.Get("kind"), Parent: q.Get("parent"), HasParent: q.Has("parent"),
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"indicator": rk.Indicator.Code, "period": rk.Period, "direction": rk.Indicator.Direction,
		"kind": rk.Kind, "parent": rk.Parent, "of": rk.Of, "data": nonNil(rk.Ranked),
	})
}

func (s *Server) handleCollectors(w http.ResponseWriter, r *http.Request) {
	cs, err := s.cfg.Store.Collectors(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	type collector struct {
		Name        string  `json:"name"`
		Runs        int64   `json:"runs"`
		LastRun     *string `json:"last_run"`
		LastOutcome string  `json:"last_outcome"`
		LastSuccess *string `json:"last_success"`
	}
	out := []collector{}
	for _, c := range cs {
		out = append(out, collector{Name: c.Name, Runs: c.Runs, LastRun: rfc3339(c.Latest), LastOutcome: c.LatestOutcome, LastSuccess: rfc3339(c.LastSuccess)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"collectors": out})
}

func (s *Server) handleCollectorRuns(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	limit, err := limitParam(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	runs, err := s.cfg.Store.CollectorRuns(r.Context(), name, limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if len(runs) == 0 {
		s.error(w, r, notFound("no runs recorded for collector %q", name).ZH("采集器“%s”尚无运行记录", name))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"collector": name, "runs": runs})
}

func (s *Server) handleRunCollector(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Collectors == nil {
		s.error(w, r, bizenv.Errorf(bizenv.ENOTIMPLEMENTED, "this server runs no collectors").ZH("本服务未运行采集器"))
		return
	}
	run, err := s.cfg.Collectors.RunNow(r.Context(), r.PathValue("name"), actor(r.Context()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run})
}

func (s *Server) handleRejects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var run int64
	if v := q.Get("run"); v != "" {
		var err error
		if run, err = strconv.ParseInt(v, 10, 64); err != nil || run < 1 {
			s.error(w, r, invalid("run %q: want a run id", v).ZH("参数 run 的值“%s”无效：应为运行编号（正整数）", v))
			return
		}
	}
	limit, err := limitParam(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rejects, err := s.cfg.Store.Rejects(r.Context(), run, q.Get("file"), limit)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out := make([]rejectOut, 0, len(rejects))
	for _, sr := range rejects {
		ro := newRejectOut(bizenv.Reject{File: sr.File, Line: sr.Line, Record: sr.Record, Code: sr.Code, Reason: sr.Reason, ReasonZH: sr.ReasonZH})
		ro.ID, ro.RunID, ro.CreatedAt = sr.ID, sr.RunID, &sr.CreatedAt
		out = append(out, ro)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rejects": out})
}

func limitParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, invalid("limit %q: want 1 to 10000", v).ZH("参数 limit 的值“%s”无效：应为 1 至 10000 之间的整数", v)
	}
	return n, nil
}

// requiredPeriod reads the query's period, which must be given, in any of
// the import's forms.
func requiredPeriod(q url.Values) (bizenv.Period, error) {
	if q.Get("period") == "" {
		return bizenv.Period{}, invalid("period is required").ZH("缺少参数 period（期间）")
	}
	return optPeriod(q.Get("period"), bizenv.Period{}, "period")
}

func (s *Server) handleMonthlyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	period, err := requiredPeriod(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	out, err := report.Render(r.Context(), s.cfg.Store, report.Request{Period: period, Entity: q.Get("entity"), DefaultEntity: s.cfg.ReportEntity, Format: q.Get("format")})
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", report.ContentType(out.Format))
	if out.Format == report.FormatCSV {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="report-%s-%s.csv"`, out.Report.Entity, out.Report.Period))
	}
	w.Write(out.Body)
}

// result is what a write did with one record; a rejected one says why,
// with the reason's code and its message in English and Chinese (reason
// is the English message, as before there were two).
type result struct {
	Index     int    `json:"index"`
	Status    string `json:"status"` // accepted, skipped or rejected
	Reason    string `json:"reason,omitempty"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
	MessageZH string `json:"message_zh,omitempty"`
}

// writeResponse is the answer to a write: the run and each record's fate.
type writeResponse struct {
	Error   *errorDetail `json:"error,omitempty"`
	Run     bizenv.Run   `json:"run"`
	DryRun  bool         `json:"dry_run"`
	Results []result     `json:"results,omitempty"`
	Rejects []rejectOut  `json:"rejects"`
}

// rejectOut is a reject as the API answers it: where, the record, the
// reason's code and its message in English and Chinese.
type rejectOut struct {
	ID        int64      `json:"id,omitempty"`
	RunID     int64      `json:"run_id,omitempty"`
	File      string     `json:"file"`
	Line      int        `json:"line"`
	Record    string     `json:"record"`
	Code      string     `json:"code"`
	Reason    string     `json:"reason"`
	Message   string     `json:"message"`
	MessageZH string     `json:"message_zh"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
}

func newRejectOut(r bizenv.Reject) rejectOut {
	return rejectOut{File: r.File, Line: r.Line, Record: r.Record, Code: r.Code,
		Reason: r.Reason, Message: r.Reason, MessageZH: r.Message(true)}
}

// observationIn is one record of POST /observations; value is a number or
// a string that may carry a unit suffix ("66.67%", "80019.85万元").
type observationIn struct {
	Period    string          `json:"period"`
	Entity    string          `json:"entity"`
	Indicator string          `json:"indicator"`
	Value     json.RawMessage `json:"value"`
	Source    string          `json:"source"`
	Note      string          `json:"note"`
}

func (s *Server) handlePostObservations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	batch := bizenv.Batch{Kind: bizenv.RunAPI, Name: "api", Actor: actor(r.Context()),
		AllowPartial: boolParam(q.Get("allow_partial")), DryRun: boolParam(q.Get("dry_run"))}
	cat, err := s.cfg.Store.Catalog(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	v := ingest.NewValidator(cat, s.cfg.Now())
	// The array is decoded one record at a time, each checked as it comes,
	// so that memory grows with the records kept, not with the body.
	dec := json.NewDecoder(r.Body)
	bodyError := func(err error) error {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return invalid("body: want a JSON array of observations: %v", err).ZH("请求体应为观测值的 JSON 数组：%v", err)
	}
	if tok, err := dec.Token(); err != nil {
		s.error(w, r, bodyError(err))
		return
	} else if tok != json.Delim('[') {
		s.error(w, r, invalid("body: want a JSON array of observations").ZH("请求体应为观测值的 JSON 数组"))
		return
	}
	var results []result
	for i := 0; dec.More(); i++ {
		if i == s.cfg.MaxRecords {
			s.error(w, r, bizenv.Errorf(bizenv.ETOOLARGE, "body: more than %d observations; send them in several requests", s.cfg.MaxRecords).
				ZH("请求体超过 %d 条观测值；请分几次发送", s.cfg.MaxRecords))
			return
		}
		var item json.RawMessage
		if err := dec.Decode(&item); err != nil {
			s.error(w, r, bodyError(err))
			return
		}
		results = append(results, addObservation(&batch, v, i, item))
	}
	if _, err := dec.Token(); err != nil {
		s.error(w, r, bodyError(err))
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.error(w, r, invalid("body: want a JSON array of observations and nothing after it").ZH("请求体应为观测值的 JSON 数组，其后不能再有内容"))
		return
	}
	if len(results) == 0 {
		s.error(w, r, invalid("body: no observations").ZH("请求体中没有观测值"))
		return
	}
	s.storeBatch(w, r, batch, results)
}

// addObservation checks record i of a POST /observations body, adding it to
// b as an observation or a reject, and says what became of it.
func addObservation(b *bizenv.Batch, v *ingest.Validator, i int, item json.RawMessage) result {
	res := result{Index: i, Status: "accepted"}
	rec := ingest.Record{File: "api", Line: i + 1, Raw: string(item)}
	reject := func(reason, reasonZH string) result {
		rej := bizenv.Reject{File: rec.File, Line: rec.Line, Record: rec.Raw, Code: ingest.RejectBadRecord, Reason: reason, ReasonZH: reasonZH}
		b.Rejects = append(b.Rejects, rej)
		return rejectedResult(i, rej)
	}
	var in observationIn
	dec := json.NewDecoder(bytes.NewReader(item))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return reject("want an object with period, entity, indicator, value, source, note: "+err.Error(),
			"记录应为含 period、entity、indicator、value、source、note 字段的对象："+err.Error())
	}
	rec.Period, rec.Entity, rec.Indicator, rec.Source, rec.Note = in.Period, in.Entity, in.Indicator, in.Source, in.Note
	var err error
	rec.Value, err = jsonValue(in.Value)
	if err != nil {
		return reject(err.Error(), "数值应为数字或字符串")
	}
	obs, ok, rej := v.Check(rec)
	switch {
	case rej != nil:
		b.Rejects = append(b.Rejects, *rej)
		res = rejectedResult(i, *rej)
	case ok:
		if obs.Source == "api" {
			obs.Source = "api:" + b.Actor
		}
		b.Observations = append(b.Observations, obs)
	default:
		res.Status = "skipped"
	}
	return res
}

func rejectedResult(i int, r bizenv.Reject) result {
	return result{Index: i, Status: "rejected", Reason: r.Reason, Code: r.Code, Message: r.Reason, MessageZH: r.Message(true)}
}

// jsonValue turns a JSON value into the text ingest parses: a number as
// written, a string as is, null as no value.
func jsonValue(raw json.RawMessage) (string, error) {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null":
		return "", nil
	case t[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case t[0] == '-' || (t[0] >= '0' && t[0] <= '9'):
		return t, nil
	}
	return "", errors.New("value: want a number or a string")
}

func boolParam(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.error(w, r, err)
			return
		}
		s.error(w, r, invalid("want a multipart/form-data upload with one or more file fields: %v", err).
			ZH("应以 multipart/form-data 上传一个或多个 file 字段：%v", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		s.error(w, r, invalid("no file: send the CSV or XLSX as the form field \"file\"").ZH("没有文件：请将 CSV 或 XLSX 文件作为表单字段“file”上传"))
		return
	}
	batch := bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Actor: actor(r.Context()),
		AllowPartial: boolParam(r.FormValue("allow_partial")), DryRun: boolParam(r.FormValue("dry_run"))}
	in := make([]*ingest.LongFileTable, 0, len(files))
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			s.error(w, r, err)
			return
		}
		content, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			s.error(w, r, err)
			return
		}
		in = append(in, ingest.ReadLongFileTable(fh.Filename, content, r.FormValue("sheet")))
	}
	// A file over a limit of its own is not a matter of bad rows: nothing
	// of the request is stored, as for a body over its limit.
	if err := ingest.ReadFiles(r.Context(), s.cfg.Store, s.cfg.Now(), in, &batch); err != nil {
		s.error(w, r, err)
		return
	}
	s.storeBatch(w, r, batch, nil)
}

// storeBatch stores b and answers: 200 when it was stored (or counted, for
// a dry run); 400 invalid, with the rejects (the first
// bizenv.MaxStoredRejects), when rejects stopped it.
func (s *Server) storeBatch(w http.ResponseWriter, r *http.Request, b bizenv.Batch, results []result) {
	run, err := s.cfg.Store.Store(r.Context(), b)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// The answer lists the rejects that are stored: the first ones.
	listed := b.Rejects[:min(len(b.Rejects), bizenv.MaxStoredRejects)]
	resp := writeResponse{Run: run, DryRun: b.DryRun, Results: results, Rejects: []rejectOut{}}
	for _, rej := range listed {
		resp.Rejects = append(resp.Rejects, newRejectOut(rej))
	}
	status := http.StatusOK
	if len(b.Rejects) > 0 && !b.AllowPartial {
		status = http.StatusBadRequest
		msg := fmt.Sprintf("%d record(s) rejected: nothing stored (allow_partial stores the good ones)", len(b.Rejects))
		msgZH := fmt.Sprintf("%d 条记录被拒绝：未保存任何数据（allow_partial 可保存正确的记录）", len(b.Rejects))
		if len(listed) < len(b.Rejects) {
			msg += fmt.Sprintf("; the first %d are listed", len(listed))
			msgZH += fmt.Sprintf("；列出前 %d 条", len(listed))
		}
		resp.Error = &errorDetail{Code: bizenv.EINVALID, Message: msg, MessageZH: msgZH}
	}
	writeJSON(w, status, resp)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func rfc3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
