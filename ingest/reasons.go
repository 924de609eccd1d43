package ingest

import "github.com/bizenv/bizenv"

// Reject reason codes: stable English words a script can match, stored
// with each reject (bizenv.Reject.Code) beside its English and Chinese
// messages, which may be reworded.
const (
	RejectMissingIndicator   = "missing_indicator"
	RejectUnknownIndicator   = "unknown_indicator"
	RejectAmbiguousIndicator = "ambiguous_indicator"
	RejectMissingEntity      = "missing_entity"
	RejectUnknownEntity      = "unknown_entity"
	RejectAmbiguousEntity    = "ambiguous_entity"
	RejectMissingPeriod      = "missing_period"
	RejectBadPeriod          = "bad_period"
	RejectFuturePeriod       = "future_period"
	RejectDuplicate          = "duplicate_conflict"

	// Values (ValueError.Code).
	RejectNotANumber     = "not_a_number"
	RejectUnknownSuffix  = "unknown_suffix"
	RejectSuffixMismatch = "suffix_mismatch"
	RejectOutOfRange     = "out_of_range"
	RejectRatioRange     = "ratio_out_of_range"
	RejectRatioAsPercent = "ratio_as_percent" // 95 for a ratio: did you mean 95%?
	RejectNegative       = "negative"
	RejectTooSmall       = "below_minimum"
	RejectTooLarge       = "above_maximum"
	RejectNotWhole       = "not_whole"
	RejectUnknownUnit    = "unknown_unit"
	RejectBadValue       = "bad_value"

	// Whole files and records that are not rows of a table.
	RejectNoHeader  = "no_header"
	RejectBadFile   = "bad_file"
	RejectBadRecord = "bad_record"
)

// RejectCodes lists every code, for documentation and tests.
var RejectCodes = []string{
	RejectMissingIndicator, RejectUnknownIndicator, RejectAmbiguousIndicator,
	RejectMissingEntity, RejectUnknownEntity, RejectAmbiguousEntity,
	RejectMissingPeriod, RejectBadPeriod, RejectFuturePeriod, RejectDuplicate,
	RejectNotANumber, RejectUnknownSuffix, RejectSuffixMismatch, RejectOutOfRange,
	RejectRatioRange, RejectRatioAsPercent, RejectNegative, RejectTooSmall,
	RejectTooLarge, RejectNotWhole, RejectUnknownUnit, RejectBadValue,
	RejectNoHeader, RejectBadFile, RejectBadRecord,
}

// unitZH names a unit in Chinese, for messages.
func unitZH(unit string) string {
	switch unit {
	case bizenv.UnitRank:
		return "名次"
	case bizenv.UnitScore:
		return "分数"
	case bizenv.UnitRatio:
		return "比率"
	case bizenv.UnitCount:
		return "数量"
	case bizenv.UnitSteps:
		return "环节数"
	case bizenv.UnitItems:
		return "件数"
	case bizenv.UnitDays:
		return "天数"
	case bizenv.UnitWorkingDays:
		return "工作日数"
	case bizenv.UnitYuan:
		return "金额（元）"
	}
	return unit
}

// fileReject is the reject of a whole file: one without the long format's
// header row (RejectNoHeader), or one that is not a readable table.
func fileReject(name, code string, err error) bizenv.Reject {
	msg := bizenv.ErrorMessage(err)
	zh := bizenv.ErrorMessageZH(err)
	if code == RejectNoHeader {
		zh = "找不到表头行：需要 期间（或 月份、时间）、单位（或 地区、区域）、指标、数值（或 值）四列，英文表头 period、entity、indicator、value 亦可"
	}
	return bizenv.Reject{File: name, Code: code, Reason: msg, ReasonZH: zh}
}
