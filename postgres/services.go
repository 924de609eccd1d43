package postgres

import "github.com/bizenv/bizenv"

// DB implements every store interface of the domain.
var (
	_ bizenv.ObservationStore = (*DB)(nil)
	_ bizenv.CatalogStore     = (*DB)(nil)
	_ bizenv.SeriesService    = (*DB)(nil)
	_ bizenv.CollectorService = (*DB)(nil)
	_ bizenv.RejectService    = (*DB)(nil)
	_ bizenv.DeliveryService  = (*DB)(nil)
)
