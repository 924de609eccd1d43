package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
)

// national measures the national evaluation's size (`make bench-national`):
// units county-level units (and the national average they are benchmarked
// on) x indicators monthly indicators x months months, generated as one
// CSV file a month, imported file by file with `bizenv import`, then served:
// the scrapes, the resident memory, and the p95 of every Grafana SQL panel's
// query as bizenv_readonly over the last 12 months.
func national(ctx context.Context, bin string, units, indicators, months, scrapes, panelRuns int) error {
	w, err := setUp(ctx, "bizenv-national-", bin)
	if err != nil {
		return err
	}
	defer w.close()
	cat := nationalCatalog(units, indicators)
	dsn, err := w.createDB(ctx, "national", cat)
	if err != nil {
		return err
	}
	// Plain SQL, for what the store has no method for.
	plain := sqlx.MustOpen("postgres", dsn)
	defer plain.Close()

	first := bizenv.NewPeriod(2023, 1)
	files, rows, err := writeNational(w.dir, cat, first, months)
	if err != nil {
		return err
	}
	fmt.Printf("bizenv national benchmark: %d units (and their benchmark) x %d indicators x %d months = %d rows in %d files, cores: %d\n\n",
		units, indicators, months, rows, len(files), numCPU())

	fmt.Println("import, one file a month, each a `bizenv import` process")
	var took []time.Duration
	var total time.Duration
	for _, f := range files {
		d, err := timed(exec.CommandContext(ctx, w.bin, "import", "--database.url", dsn, "--log.level", "warn", f))
		if err != nil {
			return fmt.Errorf("bizenv import %s: %w", filepath.Base(f), err)
		}
		took = append(took, d)
		total += d
	}
	perFile := rows / len(files)
	row("first month's file", took[0], fmt.Sprintf("%d rows, %.0f rows/s", perFile, float64(perFile)/took[0].Seconds()))
	row("last month's file", took[len(took)-1], fmt.Sprintf("%d rows, %.0f rows/s", perFile, float64(perFile)/took[len(took)-1].Seconds()))
	row("all files", total, fmt.Sprintf("%d rows, %.0f rows/s", rows, float64(rows)/total.Seconds()))
	plain.MustExec("VACUUM ANALYZE")
	fmt.Println()

	url, pid, stop, err := startBizenv(ctx, w.bin, dsn)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Println("/metrics, gzipped as Prometheus asks for it")
	// The first rendering may outlast a scrape's timeout: it goes on, and
	// a later scrape serves it.
	start := time.Now()
	series := 0
	for series < units*indicators {
		if _, series, err = scrape(url); err != nil {
			return err
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("no complete /metrics within 10 minutes (%d series)", series)
		}
	}
	fullTook := time.Since(start)
	row(fmt.Sprintf("from start until everything is rendered (%d series)", series), fullTook, perSeries(fullTook, series))
	steady, _, err := scrapeTimes(url, scrapes)
	if err != nil {
		return err
	}
	row("steady scrape", steady, perSeries(steady, series))
	one, _, err := scrapeAfter(url, plain, fmt.Sprintf(`UPDATE observations SET value = value + 1
		WHERE indicator = 'nat_i01' AND entity = 'u%04d' AND period = '%s'`, units/2, first.AddMonths(months-1).Date()))
	if err != nil {
		return err
	}
	row("first scrape after a one-row write", one, perSeries(one, series))
	for _, n := range []int{4} {
		var worst time.Duration
		for k := range n {
			d, _, err := scrapeTimes(fmt.Sprintf("%s?shard=%d&shards=%d", url, k, n), scrapes)
			if err != nil {
				return err
			}
			worst = max(worst, d)
		}
		row(fmt.Sprintf("steady scrape of the slowest of %d shards", n), worst, "")
	}
	rss, hwm := memory(pid)
	fmt.Printf("  %-55s %9.1f MiB  %6.0f bytes/series (peak %.1f MiB)\n", "resident memory of bizenv serve", mib(rss), float64(rss)/float64(series), mib(hwm))
	fmt.Println()

	return panelQueries(ctx, plain, cat, units, first.AddMonths(months-1), panelRuns)
}

// panelQueries runs every Grafana SQL panel's query as bizenv_readonly,
// with the macros filled in for the 12 months up to last, for a different
// unit and indicator each run, and prints the p95 of each.
func panelQueries(ctx context.Context, db *sqlx.DB, cat bizenv.Catalog, units int, last bizenv.Period, runs int) error {
	qs, err := dashboards.SQLQueries()
	if err != nil {
		return err
	}
	from := last.AddMonths(-11).Time()
	to := last.AddMonths(1).Time().Add(-time.Second)
	type result struct {
		name     string
		p50, p95 time.Duration
		rows     int
	}
	var results []result
	for _, q := range qs {
		var ds []time.Duration
		n := 0
		for r := range runs {
			ind := cat.Indicators[(r*31)%len(cat.Indicators)]
			vars := map[string]string{
				"entity":    fmt.Sprintf("u%04d", 1+(r*7919)%units),
				"indicator": ind.Code,
				"collector": "city-assessment-inbox",
				// The ledger and the breakdown boards' variables: the
				// generated data has no actions and no scored items,
				// so these panels measure their queries over none.
				"owner":     fmt.Sprintf("u%04d", 1+(r*7919)%units),
				"composite": ind.Code,
			}
			sql := dashboards.ExpandMacros(q.Text, from, to, vars)
			start := time.Now()
			got, err := readOnlyRows(ctx, db, sql)
			if err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			ds = append(ds, time.Since(start))
			n = got
		}
		slices.Sort(ds)
		results = append(results, result{q.String(), ds[len(ds)/2], ds[int(math.Ceil(0.95*float64(len(ds))))-1], n})
	}
	sort.Slice(results, func(i, j int) bool { return results[i].p95 > results[j].p95 })
	fmt.Printf("Grafana SQL panels as bizenv_readonly, last 12 months, %d runs each (a different unit and indicator each), slowest first\n", runs)
	fmt.Printf("  %-70s %10s %10s %6s\n", "dashboard / panel / query", "p50", "p95", "rows")
	for _, r := range results {
		fmt.Printf("  %-70s %10s %10s %6d\n", r.name, r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.rows)
	}
	return nil
}

// readOnlyRows runs sql as bizenv_readonly, the role Grafana's data source
// logs in through, and counts its rows.
func readOnlyRows(ctx context.Context, db *sqlx.DB, sql string) (int, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL ROLE bizenv_readonly"); err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, sql)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// nationalCatalog keeps the default catalog's monthly indicators, which the
// Grafana panels query, and adds generated ones up to indicators, and
// units county-level units in 31 provinces, each benchmarked on the
// national average.
func nationalCatalog(units, indicators int) bizenv.Catalog {
	cat := bizenv.DefaultCatalog()
	var inds []bizenv.Indicator
	for _, i := range cat.Indicators {
		if i.Frequency != bizenv.Annual {
			inds = append(inds, i)
		}
	}
	dirs := []bizenv.Direction{bizenv.HigherBetter, bizenv.LowerBetter, bizenv.HigherBetter, bizenv.Neutral}
	kinds := []string{bizenv.UnitScore, bizenv.UnitDays, bizenv.UnitRatio, bizenv.UnitCount}
	for i := 1; len(inds) < indicators; i++ {
		ind := bizenv.Indicator{
			Code: fmt.Sprintf("nat_i%02d", i), NameZH: fmt.Sprintf("全国指标%d", i), NameEN: fmt.Sprintf("National indicator %d", i),
			Unit: kinds[i%len(kinds)], Direction: dirs[i%len(dirs)], Category: "national", Frequency: bizenv.Monthly,
		}
		if i%10 == 0 {
			t := 50.0
			ind.Target = &t
		}
		inds = append(inds, ind)
	}
	cat.Indicators = inds
	cat.Entities = append(cat.Entities,
		bizenv.Entity{Code: "cn", NameZH: "全国", NameEN: "China", Kind: "country"},
		bizenv.Entity{Code: "cn-avg", NameZH: "全国平均", NameEN: "National average", Kind: "country", Parent: "cn"})
	for p := 1; p <= 31; p++ {
		cat.Entities = append(cat.Entities, bizenv.Entity{Code: fmt.Sprintf("p%02d", p), NameZH: fmt.Sprintf("省%d", p),
			NameEN: fmt.Sprintf("Province %d", p), Kind: "province", Parent: "cn"})
	}
	for u := 1; u <= units; u++ {
		cat.Entities = append(cat.Entities, bizenv.Entity{Code: fmt.Sprintf("u%04d", u), NameZH: fmt.Sprintf("县%d", u),
			NameEN: fmt.Sprintf("County %d", u), Kind: "district", Parent: fmt.Sprintf("p%02d", 1+u%31), Benchmark: "cn-avg"})
	}
	return cat
}

// writeNational writes one CSV file per month of every national indicator
// for the units and the national average: a drift with noise, so that
// values decline now and then and the streaks have something to walk.
func writeNational(dir string, cat bizenv.Catalog, first bizenv.Period, months int) ([]string, int, error) {
	var entities []string
	for _, e := range cat.Entities {
		if e.Benchmark == "cn-avg" || e.Code == "cn-avg" {
			entities = append(entities, e.Code)
		}
	}
	inds := cat.Indicators
	var files []string
	rows := 0
	for m := range months {
		p := first.AddMonths(m)
		path := filepath.Join(dir, fmt.Sprintf("national-%s.csv", p))
		f, err := os.Create(path)
		if err != nil {
			return nil, 0, err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fmt.Fprintln(w, "period,entity,indicator,value")
		for ei, e := range entities {
			for ii, i := range inds {
				h := uint32(ei*7919+ii*104729) ^ uint32(m*2654435761)
				h ^= h >> 13
				h *= 0x5bd1e995
				h ^= h >> 15
				v := 30 + float64(ei%40) + float64(m)*0.3 + float64(h%1000)/100
				fmt.Fprintf(w, "%s,%s,%s,%s\n", p, e, i.Code, nationalValue(i.Unit, v))
				rows++
			}
		}
		if err := w.Flush(); err != nil {
			return nil, 0, err
		}
		if err := f.Close(); err != nil {
			return nil, 0, err
		}
		files = append(files, path)
	}
	return files, rows, nil
}

// nationalValue writes v in a form the import accepts for unit.
func nationalValue(unit string, v float64) string {
	switch unit {
	case bizenv.UnitRatio:
		return fmt.Sprintf("%.2f%%", v)
	case bizenv.UnitRank, bizenv.UnitCount, bizenv.UnitSteps, bizenv.UnitItems:
		return fmt.Sprint(int(v))
	}
	return fmt.Sprintf("%.2f", v)
}
