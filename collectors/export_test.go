package collectors

import (
	"fmt"
	"time"
)

// Next returns the first time after t that the named collector is
// scheduled to run.
func (s *Scheduler) Next(name string, t time.Time) (time.Time, error) {
	id, ok := s.jobs[name]
	if !ok {
		return time.Time{}, fmt.Errorf("collector %s: %w", name, ErrUnknown)
	}
	return s.schedule.Next(id, t), nil
}

// Kinds are the source kinds the Runner builds, by name.
var Kinds = kinds
