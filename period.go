package bizenv

import (
	"fmt"
	"time"
)

// Period is a calendar month, written YYYY-MM. Its zero value is not a
// valid period.
type Period struct {
	Year  int
	Month time.Month
}

// NewPeriod returns the period of year and month, normalising a month
// outside 1..12 into the neighbouring years.
func NewPeriod(year int, month time.Month) Period {
	t := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	return Period{t.Year(), t.Month()}
}

// PeriodOf returns the month that t falls in, in t's location.
func PeriodOf(t time.Time) Period { return Period{t.Year(), t.Month()} }

// ParsePeriod parses the canonical form YYYY-MM. Input files accept more
// forms; see the ingest package.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Period{}, Errorf(EINVALID, "bad period %q: want YYYY-MM", s).ZH("期间“%s”无效：应为 YYYY-MM 形式，如 2020-06", s)
	}
	return Period{t.Year(), t.Month()}, nil
}

// String returns the period as YYYY-MM.
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p.Year == 0 && p.Month == 0 }

// Time returns UTC midnight of the period's first day.
func (p Period) Time() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// Date returns the period's first day as YYYY-MM-DD, as SQL takes a date.
func (p Period) Date() string { return fmt.Sprintf("%04d-%02d-01", p.Year, int(p.Month)) }

// AddMonths returns the period n months after p (before it for negative n).
func (p Period) AddMonths(n int) Period { return NewPeriod(p.Year, p.Month+time.Month(n)) }

// Before reports whether p is earlier than q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || (p.Year == q.Year && p.Month < q.Month)
}

// MonthsSince returns the number of months from q to p (p - q).
func (p Period) MonthsSince(q Period) int {
	return (p.Year-q.Year)*12 + int(p.Month-q.Month)
}

// LastClosed returns the last month that has ended at time now in loc: the
// period a scheduled collector fetches by default.
func LastClosed(now time.Time, loc *time.Location) Period {
	return PeriodOf(now.In(loc)).AddMonths(-1)
}

// MarshalText writes the period as YYYY-MM.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a period written as YYYY-MM.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
