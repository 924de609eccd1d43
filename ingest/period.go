package ingest

import (
	"strconv"
	"strings"
	"time"

	"github.com/bizenv/bizenv"
)

// ParsePeriod parses the period forms found in input files: 2020-06,
// 2020-6, 2020/06, 2020/6, 2020年06月, 2020年6月 and 202006, with
// surrounding spaces, full-width digits and full-width ／ and －. Anything
// else, a month outside 1..12 or a year outside 1900..2999 is an EINVALID
// error naming the input.
func ParsePeriod(s string) (bizenv.Period, error) {
	in := s
	s = fold(s)
	var year, month string
	if y, m, ok := strings.Cut(s, "年"); ok && strings.HasSuffix(m, "月") {
		year, month = y, strings.TrimSuffix(m, "月")
	} else if i := strings.IndexAny(s, "-/"); i >= 0 {
		year, month = s[:i], s[i+1:]
	} else if len(s) == 6 {
		year, month = s[:4], s[4:]
	}
	if len(year) != 4 || !digits(year) || len(month) < 1 || len(month) > 2 || !digits(month) {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "bad period %q: want YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM", in).
			ZH("期间“%s”无法识别：应为 2020-06、2020/6、2020年6月 或 202006 的形式", in)
	}
	y, _ := strconv.Atoi(year)
	m, _ := strconv.Atoi(month)
	if m < 1 || m > 12 {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "bad period %q: month must be 1..12", in).ZH("期间“%s”无效：月份应为 1 至 12", in)
	}
	if y < 1900 || y > 2999 {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "bad period %q: year must be 1900..2999", in).ZH("期间“%s”无效：年份应为 1900 至 2999", in)
	}
	return bizenv.Period{Year: y, Month: time.Month(m)}, nil
}

// digits reports whether s is all ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// beijing is the offices' clock; China keeps no daylight saving time.
var beijing = time.FixedZone("CST", 8*60*60)

// ParseRequestedPeriod parses a period a user asks about (a command's
// --period, --from or --to, the API's period, from or to) in any form
// ParsePeriod takes. A month after now's month in Beijing is an EINVALID
// error: no figures can exist for it yet.
func ParseRequestedPeriod(s string, now time.Time) (bizenv.Period, error) {
	p, err := ParsePeriod(s)
	if err != nil {
		return p, err
	}
	if cur := bizenv.PeriodOf(now.In(beijing)); cur.Before(p) {
		return bizenv.Period{}, bizenv.Errorf(bizenv.EINVALID, "period %q is in the future (now is %s)", s, cur).
			ZH("期间“%s”晚于当前月份（现在是%d年%d月）", s, cur.Year, cur.Month)
	}
	return p, nil
}
