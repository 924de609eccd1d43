package bizenv

import (
	"fmt"
	"strings"
)

// Compare says which period an indicator's latest value is judged against.
type Compare string

const (
	// ComparePrevious compares with the period before, by frequency.
	ComparePrevious Compare = "previous"
	// CompareYearAgo compares with the same month a year earlier: for
	// year-to-date series, which restart every January.
	CompareYearAgo Compare = "year_ago"
)

// Valid reports whether c is a known comparison.
func (c Compare) Valid() bool { return c == ComparePrevious || c == CompareYearAgo }

// CompareStep is the number of months between a value and the one it is
// judged against: a year for annual indicators and for compare: year_ago,
// else a month. Previous value, change, improvement and decline streak all
// step by it.
func (i Indicator) CompareStep() int {
	if i.Compare == CompareYearAgo {
		return 12
	}
	return i.Frequency.Step()
}

// DeductionSuffix marks a mapping target whose numbers are points deducted
// (扣分) from a scored item rather than points earned: a column mapped to
// "city_item_ywtb-deduction" stores max_points minus the number given
// (SPEC section 10). The hyphen cannot occur in an indicator code, so the
// suffix is never part of one.
const DeductionSuffix = "-deduction"

// SplitDeduction returns the indicator a mapping target names and whether
// it carries DeductionSuffix.
func SplitDeduction(target string) (code string, deduction bool) {
	return strings.CutSuffix(target, DeductionSuffix)
}

// PointsEarned converts points deducted from the scored item i into the
// points earned, which is what is stored: MaxPoints minus deducted. It is
// an error when i is not a scored item or deducted lies outside
// [0, MaxPoints].
func (i Indicator) PointsEarned(deducted float64) (float64, error) {
	switch {
	case i.PartOf == "" || i.MaxPoints == nil:
		return 0, fmt.Errorf("%s is not a scored item: it has no part_of and max_points", i.Code)
	case deducted < 0:
		return 0, fmt.Errorf("points deducted must not be negative")
	case deducted > *i.MaxPoints:
		return 0, fmt.Errorf("points deducted exceed max_points %v", *i.MaxPoints)
	}
	return *i.MaxPoints - deducted, nil
}

// Items returns the scored items of the composite code, in catalog order.
func (c Catalog) Items(composite string) []Indicator {
	var out []Indicator
	for _, i := range c.Indicators {
		if i.PartOf == composite {
			out = append(out, i)
		}
	}
	return out
}

// validateItem checks the fields added for scored items and comparisons on
// one indicator; composites says which codes are known to exist.
func validateItem(i Indicator, known func(code string) (Indicator, bool)) error {
	switch {
	case i.Compare != "" && !i.Compare.Valid():
		return Errorf(EINVALID, "indicator %s: compare %q: want previous or year_ago", i.Code, i.Compare).
			ZH("指标 %s：比较方式“%s”无效：应为 previous 或 year_ago", i.Code, i.Compare)
	case i.Compare == CompareYearAgo && i.Frequency == Annual:
		return Errorf(EINVALID, "indicator %s: compare year_ago is for monthly indicators; annual ones compare with the year before already", i.Code).
			ZH("指标 %s：year_ago 只适用于月度指标；年度指标本来就与上年比较", i.Code)
	case i.AlertMinChange < 0:
		return Errorf(EINVALID, "indicator %s: alert_min_change %v: must not be negative", i.Code, i.AlertMinChange).
			ZH("指标 %s：alert_min_change %v 不能为负数", i.Code, i.AlertMinChange)
	case i.MaxPoints != nil && i.PartOf == "":
		return Errorf(EINVALID, "indicator %s: max_points needs part_of (the composite score it is an item of)", i.Code).
			ZH("指标 %s：设置 max_points 须同时设置 part_of（所属的综合得分）", i.Code)
	case i.PartOf == "":
		return nil
	case i.PartOf == i.Code:
		return Errorf(EINVALID, "indicator %s: part_of: cannot be an item of itself", i.Code).
			ZH("指标 %s：part_of 不能指向自身", i.Code)
	case i.MaxPoints == nil || *i.MaxPoints <= 0:
		return Errorf(EINVALID, "indicator %s: part_of needs max_points greater than 0", i.Code).
			ZH("指标 %s：设置 part_of 须同时设置大于 0 的 max_points", i.Code)
	case i.Unit != UnitScore:
		return Errorf(EINVALID, "indicator %s: a scored item (part_of) must have unit score, not %q", i.Code, i.Unit).
			ZH("指标 %s：考核分项（part_of）的计量单位须为 score，而不是“%s”", i.Code, i.Unit)
	case i.Direction != HigherBetter:
		return Errorf(EINVALID, "indicator %s: a scored item holds points earned, so its direction must be higher_better", i.Code).
			ZH("指标 %s：考核分项记录的是得分，方向须为 higher_better", i.Code)
	}
	comp, ok := known(i.PartOf)
	switch {
	case !ok:
		return Errorf(EINVALID, "indicator %s: part_of: unknown composite %q", i.Code, i.PartOf).
			ZH("指标 %s：part_of 指向未知的综合得分“%s”", i.Code, i.PartOf)
	case comp.Unit != UnitScore:
		return Errorf(EINVALID, "indicator %s: part_of: %s is not a composite score (unit %s)", i.Code, comp.Code, comp.Unit).
			ZH("指标 %s：part_of 指向的 %s 不是综合得分（计量单位为 %s）", i.Code, comp.Code, comp.Unit)
	case comp.PartOf != "":
		return Errorf(EINVALID, "indicator %s: part_of: %s is itself an item of %s", i.Code, comp.Code, comp.PartOf).
			ZH("指标 %s：part_of 指向的 %s 本身是 %s 的分项", i.Code, comp.Code, comp.PartOf)
	}
	return nil
}

// ValidateItems checks the scored items of c against the indicators of c
// and of stored (the catalog already in place, which c adds to): every
// part_of must name a composite score that exists in one of them.
func (c Catalog) ValidateItems(stored Catalog) error {
	known := func(code string) (Indicator, bool) {
		if i, ok := c.Indicator(code); ok {
			return i, true
		}
		return stored.Indicator(code)
	}
	for _, i := range c.Indicators {
		if err := validateItem(i, known); err != nil {
			return err
		}
	}
	return nil
}
