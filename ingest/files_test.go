package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// ReadFiles is what `bizenv import` and the API's upload call: the stored
// catalog, one Validator for every file, each file's rows and payload.
func TestReadFiles(t *testing.T) {
	db := pgtest.New(t)
	files := []*ingest.LongFileTable{
		ingest.ReadLongFileTable("a.csv", []byte("period,entity,indicator,value\n2020-10,wuhan-edz,city_assessment_rank,5\n2020-10,wuhan-edz,nope,1\n"), ""),
		// The same key with another value, in another file: rejected as
		// it would be within one file.
		ingest.ReadLongFileTable("b.csv", []byte("period,entity,indicator,value\n2020-10,wuhan-edz,city_assessment_rank,6\n2020-11,wuhan-edz,city_assessment_rank,4\n"), ""),
		ingest.ReadLongFileTable("c.txt", []byte("not a table"), ""),
	}
	b := bizenv.Batch{Name: "import", Observations: []bizenv.Observation{{Indicator: "kept"}}}
	now := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := ingest.ReadFiles(context.Background(), db, now, files, &b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range b.Observations {
		got = append(got, o.Indicator+"@"+o.Period.String())
	}
	if want := []string{"kept@0000-00", "city_assessment_rank@2020-10", "city_assessment_rank@2020-11"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observations: got %v, want %v", got, want)
	}
	var rejected []string
	for _, r := range b.Rejects {
		rejected = append(rejected, fmt.Sprintf("%s:%d", r.File, r.Line))
	}
	if want := []string{"a.csv:3", "b.csv:2", "c.txt:0"}; fmt.Sprint(rejected) != fmt.Sprint(want) {
		t.Errorf("rejects: got %v (%+v), want %v", rejected, b.Rejects, want)
	}
	if len(b.Payloads) != 3 || b.Payloads[1].Name != "b.csv" || string(b.Payloads[2].Content) != "not a table" {
		t.Errorf("payloads: got %+v", b.Payloads)
	}
}

// A file over the size limits is rejected whole, and ReadFiles says so
// (ETOOLARGE) after reading the others, for the API to refuse the request.
func TestReadFilesTooLarge(t *testing.T) {
	db := pgtest.New(t)
	files := []*ingest.LongFileTable{
		ingest.ReadLongFileTable("wide.csv", []byte(strings.Repeat(",", ingest.DefaultMaxFields+1)+"\n"), ""),
		ingest.ReadLongFileTable("good.csv", []byte("period,entity,indicator,value\n2020-10,wuhan-edz,city_assessment_rank,5\n"), ""),
	}
	var b bizenv.Batch
	err := ingest.ReadFiles(context.Background(), db, time.Now(), files, &b)
	if got, want := bizenv.ErrorMessage(err), fmt.Sprintf("wide.csv: line 1 has more than %d fields", ingest.DefaultMaxFields); bizenv.ErrorCode(err) != bizenv.ETOOLARGE || got != want {
		t.Errorf("got %v, want ETOOLARGE %q", err, want)
	}
	if len(b.Rejects) != 1 || b.Rejects[0].File != "wide.csv" || len(b.Observations) != 1 || len(b.Payloads) != 2 {
		t.Errorf("got %d observations, rejects %+v, %d payloads; want 1, wide.csv's, 2", len(b.Observations), b.Rejects, len(b.Payloads))
	}
}
