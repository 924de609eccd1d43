package dashboards

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// IsMultiValue reports whether the dashboards' variable name takes several
// values. Grafana's SQL data sources always quote the values of such a
// variable, even when a single one is selected; the value of a single-value
// variable is inserted as it is.
func IsMultiValue(name string) bool {
	switch name {
	case "indicator", "collector", "owner":
		return true
	}
	return false
}

var (
	macroRE = regexp.MustCompile(`\$__(timeFilter|timeFrom|timeTo|timeGroupAlias|timeGroup|unixEpochFilter|unixEpochFrom|unixEpochTo|timeEpoch|time)\(([^()]*)\)`)
	// '$var', '${var}', $var, ${var}, ${var:format}, [[var]]
	variableRE = regexp.MustCompile(`'\$\{(\w+)\}'|'\$(\w+)'|\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]`)
)

// ExpandMacros does to sql what Grafana's PostgreSQL data source does before
// it runs a query, for the time range from..to and the template variables
// vars, so the dashboards' queries can be run against the real schema:
//
//	$__timeFilter(col)          col BETWEEN '<from>' AND '<to>' (RFC 3339, UTC)
//	$__timeFrom(), $__timeTo()  '<from>', '<to>'
//	$__time(col)                col AS "time"
//	$__timeEpoch(col)           extract(epoch from col) AS "time"
//	$__timeGroup(col, '5m')     floor(extract(epoch from col)/300)*300
//	$__timeGroup(col, '1M')     extract(epoch from date_trunc('month', col)) (also '1y')
//	$__timeGroupAlias(...)      the same, AS "time"
//	$__unixEpochFilter(col)     col >= <from> AND col <= <to> (Unix seconds)
//	$__unixEpochFrom(), $__unixEpochTo()
//
// Variables ($name, ${name}, [[name]], '$name', '${name}', ${name:format})
// are replaced from vars; the values of a multi-value variable are given
// joined by commas ("a,b"). A multi-value variable (IsMultiValue), or a
// value with a comma, becomes a quoted list 'a','b' (quoted forms included,
// so '$indicator' and $indicator give the same); a single-value variable is
// inserted raw, or quoted when the query quotes it. Formats csv and raw join
// the values with commas, sqlstring and singlequote quote them. Single
// quotes in values are doubled. Names not in vars are left alone, as
// Grafana does.
func ExpandMacros(sql string, from, to time.Time, vars map[string]string) string {
	from, to = from.UTC(), to.UTC()
	quote := func(t time.Time) string { return "'" + t.Format(time.RFC3339) + "'" }
	sql = macroRE.ReplaceAllStringFunc(sql, func(m string) string {
		sub := macroRE.FindStringSubmatch(m)
		name, args := sub[1], splitArgs(sub[2])
		arg := func(i int) string {
			if i < len(args) {
				return args[i]
			}
			return ""
		}
		switch name {
		case "timeFilter":
			return fmt.Sprintf("%s BETWEEN %s AND %s", arg(0), quote(from), quote(to))
		case "timeFrom":
			return quote(from)
		case "timeTo":
			return quote(to)
		case "time":
			return arg(0) + ` AS "time"`
		case "timeEpoch":
			return "extract(epoch from " + arg(0) + `) AS "time"`
		case "timeGroup", "timeGroupAlias":
			g := timeGroup(arg(0), strings.Trim(arg(1), `'"`))
			if name == "timeGroupAlias" {
				g += ` AS "time"`
			}
			return g
		case "unixEpochFilter":
			return fmt.Sprintf("%s >= %d AND %s <= %d", arg(0), from.Unix(), arg(0), to.Unix())
		case "unixEpochFrom":
			return strconv.FormatInt(from.Unix(), 10)
		case "unixEpochTo":
			return strconv.FormatInt(to.Unix(), 10)
		}
		return m
	})
	return variableRE.ReplaceAllStringFunc(sql, func(m string) string {
		sub := variableRE.FindStringSubmatch(m)
		name, format, quoted := "", "", false
		switch {
		case sub[1] != "":
			name, quoted = sub[1], true
		case sub[2] != "":
			name, quoted = sub[2], true
		case sub[3] != "":
			name, format = sub[3], sub[4]
		case sub[5] != "":
			name = sub[5]
		default:
			name = sub[6]
		}
		if strings.HasPrefix(name, "__") {
			return m
		}
		value, ok := vars[name]
		if !ok {
			return m
		}
		values := strings.Split(value, ",")
		switch format {
		case "csv", "raw":
			return value
		case "sqlstring", "singlequote":
			return quoteList(values)
		}
		if quoted || IsMultiValue(name) || len(values) > 1 {
			return quoteList(values)
		}
		return value
	})
}

func splitArgs(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	args := strings.Split(s, ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	return args
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ",")
}

// timeGroup rounds col down to steps of interval. Months and years have no
// fixed length, so they are truncated by the calendar.
func timeGroup(col, interval string) string {
	switch interval {
	case "1M":
		return "extract(epoch from date_trunc('month', " + col + "))"
	case "1y":
		return "extract(epoch from date_trunc('year', " + col + "))"
	}
	d, err := parseInterval(interval)
	if err != nil || d <= 0 {
		return "floor(extract(epoch from " + col + "))"
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("floor(extract(epoch from %s)/%d)*%d", col, s, s)
}

func parseInterval(s string) (time.Duration, error) {
	if n, unit := strings.TrimRight(s, "dw"), strings.TrimLeft(s, "0123456789"); unit == "d" || unit == "w" {
		k, err := strconv.Atoi(n)
		if err != nil {
			return 0, err
		}
		if unit == "w" {
			k *= 7
		}
		return time.Duration(k) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
