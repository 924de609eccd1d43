package main

import (
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestImportStoresEveryValueForm imports every value and period form of
// SPEC section 4 through `bizenv import` into PostgreSQL and reads back
// exactly what was stored.
func TestImportStoresEveryValueForm(t *testing.T) {
	type row struct {
		period, entity, indicator, value string
		wantPeriod                       string
		want                             float64
	}
	rows := []row{
		{"2020-06", "wuhan-edz", "city_assessment_rank", "8", "2020-06", 8},
		{"2020/7", "wuhan-edz", "city_assessment_rank", "第9位", "2020-07", 9},
		{"2020年8月", "wuhan-edz", "city_assessment_rank", "11名", "2020-08", 11},
		{"202009", "wuhan-edz", "city_assessment_rank", "１２", "2020-09", 12},
		{"2020-10", "wuhan-edz", "ywtb_case_volume", "66.67%", "2020-10", 0.6667},
		{"2020-10", "wuhan-avg", "ywtb_case_volume", "８８．３３％", "2020-10", 0.8833},
		{"2020-10", "wuhan-edz", "ywtb_online_enabled", "0.9379", "2020-10", 0.9379},
		{"2021-10", "wuhan-edz", "taxloan_credit_amount", "80019.85万元", "2021-10", 800198500},
		{"2021-10", "wuhan-edz", "taxloan_disbursed_amount", "4.862885亿元", "2021-10", 486288500},
		{"2021-10", "wuhan-edz", "sme_loan_demand_amount", "111,000,000", "2021-10", 111000000},
		{"2021-10", "wuhan-edz", "taxloan_credit_firms", "953家", "2021-10", 953},
		{"2020-12", "wuhan-edz", "bizstart_days", "3.5天", "2020-12", 3.5},
		{"2020-12", "wuhan-edz", "bizstart_cost", "200元", "2020-12", 200},
		{"2020-12", "wuhan-edz", "bizstart_steps", "5个", "2020-12", 5},
		{"2021-10", "wuhan-edz", "enterprise_project_approval_days", "30个工作日", "2021-10", 30},
		{"2021-10", "wuhan-edz", "property_reg_materials", "5项", "2021-10", 5},
		{"2021-09", "wuhan-edz", "city_assessment_score", "87.76分", "2021-09", 87.76},
		{"2021-03", "wuhan-edz", "approval_overdue_items", " 2 ", "2021-03", 2},
	}
	var csv strings.Builder
	csv.WriteString("\ufeffperiod,entity,indicator,value,source,note\n")
	for _, r := range rows {
		csv.WriteString(r.period + "," + r.entity + "," + r.indicator + ",\"" + r.value + "\",test,\n")
	}
	// Placeholders mean "no value": skipped, not rejected.
	for _, p := range []string{"—", "-", "/", ""} {
		csv.WriteString("2021-11,wuhan-edz,city_assessment_rank," + p + ",test,\n")
	}
	dsn := pgtest.DSN(t)
	res := runBizenv(t, dsn, "import", writeFile(t, "forms.csv", csv.String()))
	if res.err != nil {
		t.Fatalf("import: %v\n%s", res.err, res.stderr)
	}

	db := sqlx.MustOpen("postgres", dsn)
	defer db.Close()
	for _, r := range rows {
		t.Run(r.indicator+"/"+r.value, func(t *testing.T) {
			var got float64
			err := db.Get(&got, `SELECT value FROM observations WHERE indicator = $1 AND entity = $2 AND period = ($3 || '-01')::date`,
				r.indicator, r.entity, r.wantPeriod)
			if err != nil {
				t.Fatalf("read back: %v", err)
			}
			if got != r.want {
				t.Errorf("stored %v, want %v", got, r.want)
			}
		})
	}
	var n int
	db.Get(&n, `SELECT count(*) FROM observations WHERE period = '2021-11-01'`)
	if n != 0 {
		t.Errorf("placeholders stored %d observations, want 0", n)
	}
	db.Get(&n, `SELECT count(*) FROM observations`)
	if n != len(rows) {
		t.Errorf("observations stored: got %d, want %d", n, len(rows))
	}
}
