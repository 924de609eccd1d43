package api

import (
	"cmp"
	"net/http"

	"github.com/bizenv/bizenv/report"
)

// handleBreakdown serves why a composite score moved (SPEC section 10):
// indicator defaults to the city assessment score, entity to the report's
// default entity.
func (s *Server) handleBreakdown(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	period, err := requiredPeriod(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	cat, err := s.cfg.Store.Catalog(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	entity := q.Get("entity")
	if entity == "" {
		var ok bool
		if entity, ok = report.DefaultEntity(cat, s.cfg.ReportEntity); !ok {
			s.error(w, r, invalid("no district in the catalog: give entity=").ZH("目录中没有区级单位：请用 entity= 指定单位"))
			return
		}
	}
	// Both may be given by code, name_zh or alias, as everywhere else.
	ind, ent, err := findCodes(cat, cmp.Or(q.Get("indicator"), report.ScoreIndicator), entity)
	if err != nil {
		s.error(w, r, err)
		return
	}
	b, err := report.BuildBreakdown(r.Context(), s.cfg.Store, ind.Code, ent.Code, period)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
