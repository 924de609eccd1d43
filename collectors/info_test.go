package collectors_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bizenv/bizenv/collectors"
)

// Every configured collector has an info series with its title, empty for
// one without.
func TestInfoMetricHasTitles(t *testing.T) {
	cfg := parse(t, `
collectors:
  - name: city-assessment
    title: 全市营商环境考核排名通报
    schedule: "0 9 2 * *"
    tabular: {path: /srv/inbox/*.xlsx, layout: long}
  - name: ywtb
    schedule: "0 9 3 * *"
    tabular: {path: /srv/ywtb/*.csv, layout: long}
`)
	want := `
# HELP bizenv_collector_info A configured collector and its title (empty when it has none); always 1.
# TYPE bizenv_collector_info gauge
bizenv_collector_info{collector="city-assessment",title="全市营商环境考核排名通报"} 1
bizenv_collector_info{collector="ywtb",title=""} 1
`
	if err := testutil.CollectAndCompare(collectors.NewInfo(cfg), strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
