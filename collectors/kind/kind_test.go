package kind_test

import (
	"fmt"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
)

func TestPlans(t *testing.T) {
	asked := []bizenv.Period{bizenv.NewPeriod(2021, 7), bizenv.NewPeriod(2021, 8), bizenv.NewPeriod(2021, 9)}
	for _, tc := range []struct {
		name string
		plan func([]bizenv.Period) [][]bizenv.Period
		want string
	}{
		{"each", kind.Each, "[[2021-07] [2021-08] [2021-09]]"},
		{"all", kind.All, "[[2021-07 2021-08 2021-09]]"},
		{"in data", kind.InData, "[[]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := tc.plan(asked)
			if got := fmt.Sprint(runs); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if tc.name == "in data" && runs[0] != nil {
				t.Errorf("got periods %v, want nil: the source names its own", runs[0])
			}
		})
	}
}
