package tabular_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Without an entity map, a notice's entity cells are taken by code,
// name_zh or alias; a long-format file may have Chinese headers and
// indicator names.
func TestNamesWithoutMap(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("wide", func(t *testing.T) {
		write("2021年9月排名.csv", "2021年9月全市优化营商环境考核排名,,\n单位,得分,排名\n经开区,87.76,5\n江岸区,90.1,2\n车谷区,80,9\n")
		col := tabularSource(t, fmt.Sprintf(`
      path: %s
      layout: wide
      period: {filename: '(\d{4})年(\d{1,2})月'}
      entity: {column: 单位}
      columns: {得分: city_assessment_score, 排名: city_assessment_rank}
`, filepath.Join(dir, "*排名.csv")))
		b := fetch(t, col, neverStored)
		want := "2021-09 wuhan-edz city_assessment_score 87.76 2021年9月排名.csv\n" +
			"2021-09 wuhan-edz city_assessment_rank 5 2021年9月排名.csv\n" +
			"2021-09 wuhan-jiangan city_assessment_score 90.1 2021年9月排名.csv\n" +
			"2021-09 wuhan-jiangan city_assessment_rank 2 2021年9月排名.csv"
		if got := observations(b); got != want {
			t.Errorf("observations:\n got %s\nwant %s", got, want)
		}
		wantRejects := "2021年9月排名.csv:5: unknown entity \"车谷区\"\n2021年9月排名.csv:5: unknown entity \"车谷区\""
		if got := rejects(b); got != wantRejects {
			t.Errorf("rejects:\n got %s\nwant %s", got, wantRejects)
		}
	})
	t.Run("long", func(t *testing.T) {
		write("long.csv", "月份,地区,指标,数值,来源,备注\n2021年9月,车谷,办件量,66.67%,市通报,\n2021年9月,汉南区,考核排名,第5位,市通报,通报\n")
		col := tabularSource(t, fmt.Sprintf(`
      path: %s
      layout: long
`, filepath.Join(dir, "long.csv")))
		b := fetch(t, col, neverStored)
		want := "2021-09 wuhan-edz ywtb_case_volume 0.6667 市通报\n2021-09 wuhan-edz city_assessment_rank 5 市通报"
		if got := observations(b); got != want || rejects(b) != "" {
			t.Errorf("observations:\n got %s\nwant %s\nrejects: %s", got, want, rejects(b))
		}
		if b.Observations[1].Note != "通报" {
			t.Errorf("note: got %q", b.Observations[1].Note)
		}
	})
}
