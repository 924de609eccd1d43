package report_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/report"
)

func period(t *testing.T, s string) bizenv.Period {
	t.Helper()
	p, err := bizenv.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Render is what `bizenv report` and the API's report call: the default
// entity, the format check and the writing, in one place.
func TestRender(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	for _, format := range []string{"", report.FormatJSON, report.FormatHTML, report.FormatCSV} {
		t.Run("format "+format, func(t *testing.T) {
			got, err := report.Render(ctx, db, report.Request{Period: period(t, "2020-11"), DefaultEntity: "wuhan-edz", Format: format})
			if err != nil {
				t.Fatal(err)
			}
			want := format
			if want == "" {
				want = report.FormatJSON
			}
			if got.Format != want || got.Report.Entity != "wuhan-edz" {
				t.Errorf("got format %q, entity %q; want %q, wuhan-edz", got.Format, got.Report.Entity, want)
			}
			var b bytes.Buffer
			if err := report.Write(&b, build(t, db, "2020-11", "wuhan-edz"), want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Body, b.Bytes()) {
				t.Errorf("body differs from report.Write's")
			}
		})
	}
	t.Run("entity by alias", func(t *testing.T) {
		got, err := report.Render(ctx, db, report.Request{Period: period(t, "2020-11"), Entity: "经开区"})
		if err != nil || got.Report.Entity != "wuhan-edz" {
			t.Errorf("got %v; want the report of wuhan-edz", err)
		}
	})
	t.Run("unknown entity is an EntityError", func(t *testing.T) {
		_, err := report.Render(ctx, db, report.Request{Period: period(t, "2020-11"), Entity: "nowhere"})
		if ee := (report.EntityError{}); !errors.As(err, &ee) {
			t.Errorf("got %v, want an EntityError", err)
		}
	})
	for _, tc := range []struct {
		name     string
		req      report.Request
		code     string
		message  string
		noDataOK bool
	}{
		{"unknown format", report.Request{Period: period(t, "2020-11"), Format: "pdf"}, bizenv.EINVALID, `format "pdf": want json, html or csv`, false},
		{"unknown entity", report.Request{Period: period(t, "2020-11"), Entity: "nowhere"}, bizenv.ENOTFOUND, `unknown entity "nowhere"`, false},
		{"no data", report.Request{Period: period(t, "2022-05"), DefaultEntity: "wuhan-edz"}, bizenv.ENOTFOUND, "no data for wuhan-edz in 2022-05", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.Render(ctx, db, tc.req)
			if bizenv.ErrorCode(err) != tc.code || bizenv.ErrorMessage(err) != tc.message {
				t.Errorf("got %s %q, want %s %q", bizenv.ErrorCode(err), bizenv.ErrorMessage(err), tc.code, tc.message)
			}
			if nd := (report.NoDataError{}); errors.As(err, &nd) != tc.noDataOK {
				t.Errorf("NoDataError: got %v, want %v", !tc.noDataOK, tc.noDataOK)
			}
		})
	}
}

// RankPeers is what the API's rankings call: the peers of an entity, or of
// a kind under its one parent, ranked from their stored values.
func TestRankPeers(t *testing.T) {
	db := demoDB(t)
	ctx := context.Background()
	nov := period(t, "2020-11")
	byKind, err := report.RankPeers(ctx, db, report.RankingsRequest{Indicator: report.RankIndicator, Period: nov})
	if err != nil {
		t.Fatal(err)
	}
	if byKind.Kind != "district" || byKind.Parent != "wuhan" || byKind.Of == nil || *byKind.Of != 15 || len(byKind.Ranked) != 15 {
		t.Fatalf("got kind %q parent %q of %v, %d ranked; want district, wuhan, 15 of 15", byKind.Kind, byKind.Parent, byKind.Of, len(byKind.Ranked))
	}
	for i, r := range byKind.Ranked {
		if r.Rank != i+1 || r.NameZH == "" {
			t.Errorf("place %d: got %+v, want rank %d with a name", i, r, i+1)
		}
	}
	byEntity, err := report.RankPeers(ctx, db, report.RankingsRequest{Indicator: report.RankIndicator, Period: nov, Entity: "wuhan-edz"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byEntity.Ranked) != 15 || byEntity.Ranked[0] != byKind.Ranked[0] {
		t.Errorf("by entity: got %d ranked, first %+v; want 15, first %+v", len(byEntity.Ranked), byEntity.Ranked[0], byKind.Ranked[0])
	}
	for _, tc := range []struct {
		name    string
		req     report.RankingsRequest
		code    string
		message string
	}{
		{"unknown indicator", report.RankingsRequest{Indicator: "nope", Period: nov}, bizenv.ENOTFOUND, `unknown indicator "nope"`},
		{"unknown entity", report.RankingsRequest{Indicator: report.RankIndicator, Period: nov, Entity: "nowhere"}, bizenv.ENOTFOUND, `unknown entity "nowhere"`},
		{"neutral", report.RankingsRequest{Indicator: "sme_loan_demand_amount", Period: nov}, bizenv.EINVALID, "indicator sme_loan_demand_amount is neutral: no value is better than another"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.RankPeers(ctx, db, tc.req)
			if bizenv.ErrorCode(err) != tc.code || bizenv.ErrorMessage(err) != tc.message {
				t.Errorf("got %s %q, want %s %q", bizenv.ErrorCode(err), bizenv.ErrorMessage(err), tc.code, tc.message)
			}
		})
	}
}
