package ingest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/bizenv/bizenv"
)

// ValueError is a value that cannot be stored in its unit. Its Reason is
// short and names no value, so that callers can put the input and the
// indicator in front of it.
type ValueError struct {
	Input    string // the value as written
	Unit     string // the unit it was parsed for
	Code     string // the reason's stable code: RejectNotANumber...
	Reason   string // e.g. "not a number", "suffix 万元 does not fit unit ratio"
	ReasonZH string // the reason in Chinese: 不是数字...
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("value %q for unit %s: %s", e.Input, e.Unit, e.Reason)
}

// Unwrap makes a ValueError an EINVALID bizenv.Error to bizenv.ErrorCode,
// bizenv.ErrorMessage and bizenv.ErrorMessageZH.
func (e *ValueError) Unwrap() error {
	return &bizenv.Error{Code: bizenv.EINVALID, Message: e.Error(),
		MessageZH: fmt.Sprintf("%s的数值“%s”：%s", unitZH(e.Unit), e.Input, e.ReasonZH)}
}

// IsAbsent reports whether s says "no value": it is empty, or one of the
// placeholders —, - and /, in their full-width or doubled forms (——, －,
// --, －－, ／, //...). Such a cell is skipped, not rejected.
func IsAbsent(s string) bool {
	switch fold(s) {
	case "", "-", "--", "—", "——", "/", "//":
		return true
	}
	return false
}

// ParseValue parses s as a value of the given unit (one of bizenv.Units)
// and returns it in that unit. present is false, with no error, when s is
// empty or a placeholder (see IsAbsent).
//
// s may have a leading + or -, thousands separators (1,234.5), full-width
// digits and punctuation, an exponent, and a suffix that fits the unit:
// % for ratio (66.67% is 0.6667); 元, 万元 (×10⁴) and 亿元 (×10⁸) for
// yuan; 天 for days; 工作日 or 个工作日 for working_days; 个, 项, 件, 家
// or 户 for count, items and steps; 位 or 名, and the ordinal form 第15位,
// for rank; 分 for score. Scaling moves the decimal point of the written
// number before it is converted, so 80019.85万元 is exactly 800198500.
//
// The value must then suit the unit, within the bounds boundsOf gives: a
// ratio lies in [0,1]; a count, amount or duration is not negative; ranks,
// counts, steps and items are whole numbers; and no value is larger than
// any indicator of its unit can be. Errors are *ValueError.
func ParseValue(s string, unit string) (value float64, present bool, err error) {
	return parseValue(s, unit, false)
}

// ParseAverageValue is ParseValue for an average over several entities (an
// entity of kind city_average): the average of counts, steps or items may
// have a fraction. Ranks stay whole.
func ParseAverageValue(s string, unit string) (value float64, present bool, err error) {
	return parseValue(s, unit, true)
}

func parseValue(s string, unit string, average bool) (value float64, present bool, err error) {
	fail := func(code, reason, reasonZH string) (float64, bool, error) {
		return 0, false, &ValueError{Input: s, Unit: unit, Code: code, Reason: reason, ReasonZH: reasonZH}
	}
	if IsAbsent(s) {
		return 0, false, nil
	}
	if !slices.Contains(bizenv.Units, unit) {
		return fail(RejectUnknownUnit, "unknown unit", "未知单位")
	}
	text := fold(s)
	ordinal := false
	if rest, ok := strings.CutPrefix(text, "第"); ok {
		text, ordinal = trim(rest), true
	}
	mantissa, exp, suffix, ok := splitNumber(text)
	if !ok {
		return fail(RejectNotANumber, "not a number", "不是数字")
	}
	if ordinal && unit != bizenv.UnitRank {
		return fail(RejectSuffixMismatch, "prefix 第 does not fit unit "+unit, "前缀“第”不适用于单位"+unitZH(unit))
	}
	if suffix != "" {
		units, shift, known := suffixUnits(suffix)
		switch {
		case !known:
			return fail(RejectUnknownSuffix, fmt.Sprintf("unknown suffix %q", suffix), "无法识别的后缀“"+suffix+"”")
		case !slices.Contains(units, unit):
			return fail(RejectSuffixMismatch, fmt.Sprintf("suffix %s does not fit unit %s", suffix, unit), "后缀“"+suffix+"”不适用于单位"+unitZH(unit))
		}
		exp += shift
	}
	v, err := strconv.ParseFloat(mantissa+"e"+strconv.Itoa(exp), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return fail(RejectOutOfRange, "out of range", "超出可表示的范围")
	}
	if v == 0 {
		v = 0 // no negative zero
	}
	b := boundsOf(unit)
	switch {
	case unit == bizenv.UnitRatio && v > 1 && v <= 100 && suffix == "":
		// A percentage written without its sign: 95 meant as 95%.
		n := formatNumber(v)
		return fail(RejectRatioAsPercent, n+" is outside [0,1]: did you mean "+n+"%?", n+" 不在 [0,1] 之间：是否为 "+n+"%？")
	case unit == bizenv.UnitRatio && (v < b.min || v > b.max):
		n := formatNumber(v)
		return fail(RejectRatioRange, n+" is outside [0,1]", n+" 不在 [0,1] 之间")
	case v < b.min && b.min == 0:
		return fail(RejectNegative, "must not be negative", "不能为负数")
	case v < b.min:
		return fail(RejectTooSmall, "must be at least "+formatNumber(b.min), "不能小于 "+formatNumber(b.min))
	case v > b.max:
		return fail(RejectTooLarge, "must be at most "+formatNumber(b.max), "不能大于 "+formatNumber(b.max))
	case b.whole && v != math.Trunc(v) && (!average || unit == bizenv.UnitRank):
		return fail(RejectNotWhole, "must be a whole number", "必须是整数")
	}
	return v, true, nil
}

// bounds are the values a unit admits: from min to max, whole numbers
// only when whole.
type bounds struct {
	min, max float64
	whole    bool
}

// boundsOf returns the bounds of unit. The upper bounds are far above any
// value a district's indicator has, and far below where arithmetic on two
// values (a change, a gap to a benchmark) could overflow: they catch a
// mistyped exponent or a hostile input, which would otherwise sit in the
// history and in every trend derived from it. README's security section
// lists them.
func boundsOf(unit string) bounds {
	switch unit {
	case bizenv.UnitRatio:
		return bounds{min: 0, max: 1}
	case bizenv.UnitRank:
		return bounds{min: 1, max: 100_000, whole: true}
	case bizenv.UnitScore:
		return bounds{min: -1e6, max: 1e6}
	case bizenv.UnitCount:
		return bounds{min: 0, max: 1e12, whole: true}
	case bizenv.UnitItems:
		return bounds{min: 0, max: 1e9, whole: true}
	case bizenv.UnitSteps:
		return bounds{min: 0, max: 1000, whole: true}
	case bizenv.UnitDays, bizenv.UnitWorkingDays:
		return bounds{min: 0, max: 36_500} // a hundred years
	default: // yuan
		return bounds{min: 0, max: 1e15}
	}
}

// splitNumber splits folded text into the decimal mantissa of its leading
// number (sign, digits and point, thousands separators removed), the
// number's exponent, and the suffix that follows, trimmed. ok is false when
// text does not start with a well-formed number or the suffix looks like
// more of a number.
func splitNumber(text string) (mantissa string, exp int, suffix string, ok bool) {
	i := 0
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		i++
	}
	intStart := i
	for i < len(text) && (isDigit(text[i]) || text[i] == ',') {
		i++
	}
	intPart := text[intStart:i]
	fracPart := ""
	if i < len(text) && text[i] == '.' {
		j := i + 1
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		fracPart, i = text[i+1:j], j
	}
	if intPart+fracPart == "" || !groupedDigits(intPart) {
		return "", 0, "", false
	}
	mantissa = text[:intStart] + strings.ReplaceAll(intPart, ",", "") + "." + fracPart
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		j := i + 1
		if j < len(text) && (text[j] == '+' || text[j] == '-') {
			j++
		}
		k := j
		for k < len(text) && isDigit(text[k]) {
			k++
		}
		if k > j {
			var err error
			if exp, err = strconv.Atoi(text[i+1 : k]); err != nil || exp > 1000 || exp < -1000 {
				return "", 0, "", false
			}
			i = k
		}
	}
	suffix = trim(text[i:])
	if suffix != "" && strings.ContainsAny(suffix[:1], "0123456789.,+-") {
		return "", 0, "", false
	}
	return mantissa, exp, suffix, true
}

// groupedDigits reports whether the integer part s is plain digits, or
// digits grouped by commas in threes after a first group of one to three.
func groupedDigits(s string) bool {
	groups := strings.Split(s, ",")
	if len(groups) == 1 {
		return true
	}
	if len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// suffixUnits returns the units a suffix fits and the power of ten it
// scales by.
func suffixUnits(suffix string) (units []string, shift int, ok bool) {
	switch suffix {
	case "%":
		return []string{bizenv.UnitRatio}, -2, true
	case "元":
		return []string{bizenv.UnitYuan}, 0, true
	case "万元":
		return []string{bizenv.UnitYuan}, 4, true
	case "亿元":
		return []string{bizenv.UnitYuan}, 8, true
	case "天":
		return []string{bizenv.UnitDays}, 0, true
	case "工作日", "个工作日":
		return []string{bizenv.UnitWorkingDays}, 0, true
	case "个", "项", "件", "家", "户":
		return []string{bizenv.UnitCount, bizenv.UnitItems, bizenv.UnitSteps}, 0, true
	case "位", "名":
		return []string{bizenv.UnitRank}, 0, true
	case "分":
		return []string{bizenv.UnitScore}, 0, true
	}
	return nil, 0, false
}

// formatNumber writes v in the shortest decimal form, without exponent.
func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// errReason returns the code and reasons of a *ValueError, or err's
// message.
func errReason(err error) (code, reason, reasonZH string) {
	if ve, ok := errors.AsType[*ValueError](err); ok {
		return ve.Code, ve.Reason, ve.ReasonZH
	}
	return RejectBadValue, err.Error(), err.Error()
}
