package api

import "net/http"

func (s *Server) routes() {
	read := func(pattern string, h http.HandlerFunc) { s.mux.Handle("GET "+pattern, h) }
	write := func(pattern string, h http.HandlerFunc) { s.mux.Handle("POST "+pattern, s.authorize(s.limitBody(h))) }

	read("/api/v1/openapi.json", s.handleOpenAPI)
	read("/api/v1/indicators", s.handleIndicators)
	read("/api/v1/entities", s.handleEntities)
	read("/api/v1/series", s.handleSeries)
	read("/api/v1/rankings", s.handleRankings)
	read("/api/v1/collectors", s.handleCollectors)
	read("/api/v1/collectors/{name}/runs", s.handleCollectorRuns)
	read("/api/v1/rejects", s.handleRejects)
	read("/api/v1/reports/monthly", s.handleMonthlyReport)
	read("/api/v1/breakdown", s.handleBreakdown)
	read("/api/v1/actions", s.handleListActions)
	read("/api/v1/actions/{id}", s.handleGetAction)

	write("/api/v1/observations", s.handlePostObservations)
	write("/api/v1/import", s.handleImport)
	write("/api/v1/collectors/{name}/run", s.handleRunCollector)
	write("/api/v1/actions", s.handleCreateAction)
	s.mux.Handle("PATCH /api/v1/actions/{id}", s.authorize(s.limitBody(http.HandlerFunc(s.handlePatchAction))))

}
