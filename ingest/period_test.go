package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
)

func TestParsePeriod(t *testing.T) {
	check := func(name, in string, want bizenv.Period) {
		t.Run(name, func(t *testing.T) {
			got, err := ingest.ParsePeriod(in)
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", in, err)
			}
			if got != want {
				t.Errorf("ParsePeriod(%q) = %v, want %v", in, got, want)
			}
		})
	}
	// Every form June 2020 may be written in.
	june := bizenv.Period{Year: 2020, Month: time.June}
	for _, form := range []struct{ name, in string }{
		{"canonical", "2020-06"},
		{"dash single digit", "2020-6"},
		{"slash", "2020/06"},
		{"slash single digit", "2020/6"},
		{"chinese", "2020年6月"},
		{"chinese two digits", "2020年06月"},
		{"compact", "202006"},
		{"spaces", "  2020-06\t"},
		{"ideographic space", "\u30002020年6月\u3000"},
		{"full-width digits", "２０２０年６月"},
		{"full-width slash", "２０２０／６"},
		{"full-width dash", "２０２０－０６"},
	} {
		check(form.name, form.in, june)
	}
	check("december", "2021-12", bizenv.Period{Year: 2021, Month: time.December})
	check("lowest year", "1900-01", bizenv.Period{Year: 1900, Month: time.January})
	check("highest year", "2999-12", bizenv.Period{Year: 2999, Month: time.December})
}

func TestParsePeriodErrors(t *testing.T) {
	const form = ": want YYYY-MM, YYYY/M, YYYY年M月 or YYYYMM"
	// reason is what the error says after `bad period "in"`.
	tests := []struct{ name, in, reason string }{
		{"empty", "", form},
		{"month 13", "2020-13", ": month must be 1..12"},
		{"month 0", "2020-00", ": month must be 1..12"},
		{"compact month 13", "202013", ": month must be 1..12"},
		{"chinese month 13", "2020年13月", ": month must be 1..12"},
		{"year too early", "1899-12", ": year must be 1900..2999"},
		{"year too late", "3000-01", ": year must be 1900..2999"},
		{"date", "2020-06-01", form},
		{"year only", "2020", form},
		{"two-digit year", "20-06", form},
		{"three-digit month", "2020-006", form},
		{"missing 月", "2020年6", form},
		{"dot", "2020.06", form},
		{"words", "June 2020", form},
		{"compact short", "20206", form},
		{"negative", "-2020-06", form},
		{"inner space", "2020 - 06", form},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ingest.ParsePeriod(tt.in)
			wantError(t, err, bizenv.EINVALID, fmt.Sprintf("bad period %q", tt.in)+tt.reason)
		})
	}
}
