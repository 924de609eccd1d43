package metrics

import "time"

// SetTimeout sets how long one scrape of h waits for the data, for tests of
// a database that does not answer.
func SetTimeout(h *Handler, d time.Duration) { h.timeout = d }
