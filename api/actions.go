package api

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bizenv/bizenv"
)

// The rectification ledger (SPEC sections 7 and 11). The handlers know only
// bizenv.ActionService; without one they answer 501.

func (s *Server) actions(w http.ResponseWriter, r *http.Request) (bizenv.ActionService, bool) {
	if s.cfg.Actions == nil {
		s.error(w, r, bizenv.Errorf(bizenv.ENOTIMPLEMENTED, "this server keeps no ledger").ZH("本服务未启用整改台账"))
		return nil, false
	}
	return s.cfg.Actions, true
}

func (s *Server) handleListActions(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.actions(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := bizenv.ActionFilter{Owner: q.Get("owner"), Entity: q.Get("entity"), Overdue: boolParam(q.Get("overdue"))}
	if f.Owner != "" || f.Entity != "" {
		// owner= and entity= take a code, name_zh or alias (owner=区发改局).
		cat, err := s.cfg.Store.Catalog(r.Context())
		if err != nil {
			s.error(w, r, err)
			return
		}
		for _, code := range []*string{&f.Owner, &f.Entity} {
			if *code == "" {
				continue
			}
			e, err := cat.FindEntity(*code)
			if err != nil {
				s.error(w, r, err)
				return
			}
			*code = e.Code
		}
	}
	if st := q.Get("status"); st != "" {
		status, err := bizenv.ParseActionStatus(st)
		if err != nil {
			s.error(w, r, err)
			return
		}
		f.Status = status
	}
	list, err := svc.Actions(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if list == nil {
		list = []bizenv.Action{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": list})
}

func (s *Server) handleGetAction(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.actions(w, r)
	if !ok {
		return
	}
	a, err := svc.Action(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// actionIn is what POST /actions takes: the ledger fields of an action.
type actionIn struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Problem     string              `json:"problem"`
	Measure     string              `json:"measure"`
	Origin      string              `json:"origin"`
	Entity      string              `json:"entity"`
	Owner       string              `json:"owner"`
	Responsible string              `json:"responsible"`
	Indicators  []string            `json:"indicators"`
	Opened      bizenv.Date         `json:"opened"`
	Due         bizenv.Date         `json:"due"`
	Status      bizenv.ActionStatus `json:"status"`
	Closed      bizenv.Date         `json:"closed"`
	Source      string              `json:"source"`
}

func (s *Server) handleCreateAction(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.actions(w, r)
	if !ok {
		return
	}
	var in actionIn
	if err := decodeStrict(r, &in); err != nil {
		s.error(w, r, err)
		return
	}
	a := bizenv.Action{ID: in.ID, Title: in.Title, Problem: in.Problem, Measure: in.Measure, Origin: in.Origin,
		Entity: in.Entity, Owner: in.Owner, Responsible: in.Responsible, Indicators: in.Indicators,
		Opened: in.Opened, Due: in.Due, Status: in.Status, Closed: in.Closed, Source: in.Source}
	if a.ID == "" {
		a.ID = newActionID(s.cfg.Now())
	}
	if a.Status == "" {
		a.Status = bizenv.ActionOpen
	}
	if a.Opened.IsZero() {
		a.Opened = bizenv.Today(s.cfg.Now())
	}
	if a.Indicators == nil {
		a.Indicators = []string{}
	}
	if err := s.actionCodes(r, &a); err != nil {
		s.error(w, r, err)
		return
	}
	created, err := svc.CreateAction(r.Context(), a, actor(r.Context()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/actions/"+created.ID)
	writeJSON(w, http.StatusCreated, created)
}

// actionCodes turns the owner, entity and indicators of a, each a code,
// name_zh or alias, into codes. A name nothing goes by is left for the
// store to refuse, as it refuses an unknown code; an ambiguous one is
// refused here.
func (s *Server) actionCodes(r *http.Request, a *bizenv.Action) error {
	cat, err := s.cfg.Store.Catalog(r.Context())
	if err != nil {
		return err
	}
	names := cat.Names()
	toCode := func(kind string, lookup func(string) (string, []string), name *string) error {
		code, codes := lookup(*name)
		switch {
		case len(codes) > 1:
			return bizenv.NameError(kind, *name, codes)
		case code != "":
			*name = code
		}
		return nil
	}
	for _, name := range []*string{&a.Owner, &a.Entity} {
		if err := toCode("entity", names.Entity, name); err != nil {
			return err
		}
	}
	for n := range a.Indicators {
		if err := toCode("indicator", names.Indicator, &a.Indicators[n]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) handlePatchAction(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.actions(w, r)
	if !ok {
		return
	}
	var c bizenv.ActionChange
	if err := decodeStrict(r, &c); err != nil {
		s.error(w, r, err)
		return
	}
	a, err := svc.UpdateAction(r.Context(), r.PathValue("id"), c, actor(r.Context()))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

// decodeStrict reads r's body as one JSON object with no unknown field.
func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if bizenv.ErrorCode(err) == bizenv.EINVALID {
			return err
		}
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return invalid("body: %v", err).ZH("请求体有误：%v", err)
	}
	return nil
}

// newActionID assigns an id to an action created without one: the day in
// China and a random suffix, e.g. ZG20211001-3fa2c1.
func newActionID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return "ZG" + now.In(bizenv.China).Format("20060102") + "-" + hex.EncodeToString(b)
}
