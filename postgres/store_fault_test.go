package postgres_test

import (
	"context"
	"math"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// The table's CHECK (value = value) does not keep NaN out, since
// PostgreSQL holds NaN equal to itself: the store must.
func TestStoreRefusesNonFiniteValues(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value float64
		want  string
	}{
		{"NaN", math.NaN(), "city_assessment_score/wuhan-edz/2020-06: value NaN is not a finite number"},
		{"+Inf", math.Inf(1), "city_assessment_score/wuhan-edz/2020-06: value +Inf is not a finite number"},
		{"-Inf", math.Inf(-1), "city_assessment_score/wuhan-edz/2020-06: value -Inf is not a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := pgtest.New(t)
			_, err := db.Store(ctx, bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: []bizenv.Observation{
				obs("city_assessment_score", "wuhan-edz", "2020-05", 80),
				obs("city_assessment_score", "wuhan-edz", "2020-06", tc.value),
			}})
			if err == nil || bizenv.ErrorMessage(err) != tc.want {
				t.Errorf("error: got %v, want %q", err, tc.want)
			}
			var n int
			if err := pgtest.SQL(t, db).Get(&n, `SELECT count(*) FROM observation_history`); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("stored %d value(s), want none", n)
			}
			v, err := db.Verify(ctx, postgres.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !v.OK() || len(v.Warnings) > 0 {
				t.Errorf("verify: violations %q, warnings %q", v.Violations, v.Warnings)
			}
		})
	}
}
