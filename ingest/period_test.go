package ingest_test

import (
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

func TestParsePeriod(t *testing.T) {
	june := bizenv.Period{Year: 2020, Month: time.June}
	tests := []struct {
		name string
		in   string
		want bizenv.Period
	}{
		{"canonical", "2020-06", june},
		{"dash single digit", "2020-6", june},
		{"slash", "2020/06", june},
		{"slash single digit", "2020/6", june},
		{"chinese", "2020年6月", june},
		{"chinese two digits", "2020年06月", june},
		{"compact", "202006", june},
		{"spaces", "  2020-06\t", june},
		{"ideographic space", "\u30002020年6月\u3000", june},
		{"full-width digits", "２０２０年６月", june},
		{"full-width slash", "２０２０／６", june},
		{"full-width dash", "２０２０－０６", june},
		{"december", "2021-12", bizenv.Period{Year: 2021, Month: time.December}},
		{"lowest year", "1900-01", bizenv.Period{Year: 1900, Month: time.January}},
		{"highest year", "2999-12", bizenv.Period{Year: 2999, Month: time.December}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ingest.ParsePeriod(tt.in)
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePeriod(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParsePeriodErrors(t *testing.T) {
	const form = ": want YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `bad period ""` + form},
		{"month 13", "2020-13", `bad period "2020-13": month must be 1..12`},
		{"month 0", "2020-00", `bad period "2020-00": month must be 1..12`},
		{"compact month 13", "202013", `bad period "202013": month must be 1..12`},
		{"chinese month 13", "2020年13月", `bad period "2020年13月": month must be 1..12`},
		{"year too early", "1899-12", `bad period "1899-12": year must be 1900..2999`},
		{"year too late", "3000-01", `bad period "3000-01": year must be 1900..2999`},
		{"date", "2020-06-01", `bad period "2020-06-01"` + form},
		{"year only", "2020", `bad period "2020"` + form},
		{"two-digit year", "20-06", `bad period "20-06"` + form},
		{"three-digit month", "2020-006", `bad period "2020-006"` + form},
		{"missing 月", "2020年6", `bad period "2020年6"` + form},
		{"dot", "2020.06", `bad period "2020.06"` + form},
		{"words", "June 2020", `bad period "June 2020"` + form},
		{"compact short", "20206", `bad period "20206"` + form},
		{"negative", "-2020-06", `bad period "-2020-06"` + form},
		{"inner space", "2020 - 06", `bad period "2020 - 06"` + form},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ingest.ParsePeriod(tt.in)
			if err == nil {
				t.Fatalf("ParsePeriod(%q) = %v, want error %q", tt.in, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParsePeriod(%q) error:\n got %s\nwant %s", tt.in, err, tt.want)
			}
			if code := bizenv.ErrorCode(err); code != bizenv.EINVALID {
				t.Errorf("ParsePeriod(%q) error code = %s, want %s", tt.in, code, bizenv.EINVALID)
			}
		})
	}
}
