package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestCatalogApplyAliases stores a user's aliases, shows them, and refuses
// a file whose alias clashes with a record only the stored catalog has,
// naming both holders and storing nothing of the file.
func TestCatalogApplyAliases(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	own := writeFile(t, "own.yml", `entities:
  - {code: wuhan-jiangan, name_zh: 江岸区, name_en: Jiang'an District, kind: district, parent: wuhan, benchmark: wuhan-avg, aliases: [江岸, 汉口江岸]}
`)
	if r := runBizenv(t, dsn, "catalog", "apply", own); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	cat, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cat.Names().Entity("汉口江岸"); got != "wuhan-jiangan" {
		t.Errorf("stored alias 汉口江岸: got %q, want wuhan-jiangan", got)
	}
	if got, _ := cat.Names().Entity("车谷"); got != "wuhan-edz" {
		t.Errorf("default alias 车谷: got %q, want wuhan-edz", got)
	}
	r := runBizenv(t, dsn, "catalog", "show")
	if !strings.Contains(r.stdout, "- 汉口江岸") || !strings.Contains(r.stdout, "- 车谷") {
		t.Errorf("catalog show lacks the aliases:\n%s", r.stdout)
	}

	clash := writeFile(t, "clash.yml", `entities:
  - {code: wuhan-hannan-park, name_zh: 汉南园区, name_en: Hannan Park, kind: park, parent: wuhan-edz, aliases: [汉南园, 汉南区]}
`)
	r = runBizenv(t, dsn, "catalog", "apply", clash)
	if r.code() != exitUsage {
		t.Fatalf("exit %d, want %d: %v", r.code(), exitUsage, r.err)
	}
	want := `catalog: entity alias "汉南区" is ambiguous: it is an alias of entity wuhan-hannan-park and the alias of entity wuhan-edz`
	if r.err == nil || r.err.Error() != want {
		t.Errorf("got  %v\nwant %s", r.err, want)
	}
	cat, err = db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cat.Entity("wuhan-hannan-park"); ok {
		t.Error("the refused file's entity was stored")
	}

	// Running migrate again leaves the user's aliases alone.
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	cat, _ = db.Catalog(t.Context())
	if e, _ := cat.Entity("wuhan-jiangan"); strings.Join(e.Aliases, ",") != "江岸,汉口江岸" {
		t.Errorf("after migrate: aliases %v, want the user's", e.Aliases)
	}
}

// history is every revision stored, without the times and runs that
// differ between two imports of the same figures.
func history(t *testing.T, dsn string) string {
	t.Helper()
	db := pgtest.Open(t, dsn)
	var rows []struct {
		Indicator, Entity, Period, Source, Note, ChangedBy string
		Revision                                           int
		Value                                              float64
	}
	err := pgtest.SQL(t, db).SelectContext(t.Context(), &rows, `SELECT indicator, entity, period::text AS period, revision, value,
		source, note, changed_by AS changedby FROM observation_history ORDER BY indicator, entity, period, revision`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%+v\n", r)
	}
	return b.String()
}

// A notice-shaped file: title rows, Chinese headers, names and aliases.
const chineseNotice = `2021年9月全市优化营商环境考核情况通报,,,,,
（市优化办　2021年10月8日）,,,,,
月份,地区,指标,数值,来源,备注
2021年9月,经开区,排名,第15位,市通报,
2021年9月,江岸区,全市营商环境考核排名,3,市通报,
2021年9月,武汉经开区（汉南区）,考核得分,86.5分,市通报,扣分项：一网通办
2021年9月,车谷,办件量,66.67%,市通报,
2021年9月,汉南区,网办事项开通率,93.79%,市通报,
2021年9月,全市平均,办件量,88.33%,市通报,
2021年9月,经开区,云税贷授信金额,80019.85万元,区税务局,
2021年9月,经开区,减时限成效,—,市通报,未公布
`

const chineseNotice2 = `期间,单位,指标,值,来源,备注
2021/8,经开区,考核排名,12,市通报,
`

const codesOnly = `period,entity,indicator,value,source,note
2021-09,wuhan-edz,city_assessment_rank,15,市通报,
2021-09,wuhan-jiangan,city_assessment_rank,3,市通报,
2021-09,wuhan-edz,city_assessment_score,86.5,市通报,扣分项：一网通办
2021-09,wuhan-edz,ywtb_case_volume,0.6667,市通报,
2021-09,wuhan-edz,ywtb_online_enabled,0.9379,市通报,
2021-09,wuhan-avg,ywtb_case_volume,0.8833,市通报,
2021-09,wuhan-edz,taxloan_credit_amount,800198500,区税务局,
2021-08,wuhan-edz,city_assessment_rank,12,市通报,
`

// TestImportChineseNames imports a notice-shaped file with only Chinese
// headers, names and aliases, and the same figures written with codes,
// into two databases: both store exactly the same.
func TestImportChineseNames(t *testing.T) {
	chinese, codes := pgtest.DSN(t), pgtest.DSN(t)
	zh := map[string]string{"LANG": "zh_CN.UTF-8"}
	r := runBizenvEnv(t, chinese, zh, "import", writeFile(t, "2021年9月通报.csv", chineseNotice), writeFile(t, "8月.csv", chineseNotice2))
	if r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	if want := "导入：新增 8 条，更新 0 条，未变 0 条，拒绝 0 条：已保存\n"; r.stdout != want {
		t.Errorf("stdout: got %q, want %q", r.stdout, want)
	}
	if r := runBizenv(t, codes, "import", writeFile(t, "codes.csv", codesOnly)); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	got, want := history(t, chinese), history(t, codes)
	if strings.Count(want, "\n") != 8 {
		t.Fatalf("the code-only file stored:\n%s", want)
	}
	if got != want {
		t.Errorf("the Chinese file stored\n%s\nthe code-only file\n%s", got, want)
	}
}

// TestImportRejectLanguage prints a reject in Chinese under a Chinese
// locale, in English otherwise; LC_ALL wins over LANG.
func TestImportRejectLanguage(t *testing.T) {
	dsn := pgtest.DSN(t)
	file := writeFile(t, "notice.csv", "月份,单位,指标,数值\n2021年9月,经开区,办件量,95\n")
	for _, tc := range []struct {
		name   string
		env    map[string]string
		stderr string
		err    string
	}{
		{"LANG zh", map[string]string{"LANG": "zh_CN.UTF-8"},
			file + ":2: 指标“一网通办办件量成效”（比率）的数值“95”：95 不在 [0,1] 之间：是否为 95%？（ratio_as_percent）\n", "1 条记录被拒绝"},
		{"LC_ALL over LANG", map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"},
			file + `:2: value "95" for ratio indicator ywtb_case_volume: 95 is outside [0,1]: did you mean 95%?` + "\n", "1 record(s) rejected"},
		{"no locale", nil,
			file + `:2: value "95" for ratio indicator ywtb_case_volume: 95 is outside [0,1]: did you mean 95%?` + "\n", "1 record(s) rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBizenvEnv(t, dsn, tc.env, "import", file)
			if r.code() != exitRejected || r.err.Error() != tc.err {
				t.Errorf("exit %d, %v; want %d, %s", r.code(), r.err, exitRejected, tc.err)
			}
			if r.stderr != tc.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", r.stderr, tc.stderr)
			}
		})
	}
	// The rejects table keeps the code and both messages.
	rejects, err := pgtest.Open(t, dsn).Rejects(t.Context(), 0, file, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) != 1 || rejects[0].Code != "ratio_as_percent" || !strings.HasSuffix(rejects[0].ReasonZH, "是否为 95%？") {
		t.Errorf("stored rejects: %+v", rejects)
	}
}

// TestReportEntityByName takes --entity as a name or alias.
func TestReportEntityByName(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "import", writeFile(t, "codes.csv", codesOnly)); r.err != nil {
		t.Fatalf("import: %v\n%s", r.err, r.stderr)
	}
	byCode := runBizenv(t, dsn, "report", "--period", "2021-09", "--entity", "wuhan-edz")
	if byCode.err != nil {
		t.Fatalf("report: %v", byCode.err)
	}
	for _, name := range []string{"经开区", "车谷", "武汉经开区（汉南区）"} {
		r := runBizenv(t, dsn, "report", "--period", "2021-09", "--entity", name)
		if r.err != nil || r.stdout != byCode.stdout {
			t.Errorf("--entity %s: %v; the report differs from wuhan-edz's", name, r.err)
		}
	}
	r := runBizenvEnv(t, dsn, map[string]string{"LC_ALL": "zh_CN.UTF-8"}, "report", "--period", "2021-09", "--entity", "江岸")
	if r.code() != exitUsage || r.err.Error() != "--entity: 未知单位“江岸”：请使用单位代码、中文名称或别名" {
		t.Errorf("unknown entity: exit %d, %v", r.code(), r.err)
	}
	r = runBizenv(t, dsn, "report", "--period", "2021-09", "--entity", "江岸")
	if r.code() != exitUsage || r.err.Error() != `--entity: unknown entity "江岸"` {
		t.Errorf("unknown entity: exit %d, %v", r.code(), r.err)
	}
}

// TestCollectChinese runs collect under a Chinese locale: the summary,
// the rejects and the error are Chinese; so is report's "no data".
func TestCollectChinese(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, bad := marsNoticeConfig(t)
	zh := map[string]string{"LANG": "zh_CN.UTF-8"}
	r := runBizenvEnv(t, dsn, zh, "collect", "--config.file", cfg)
	if r.code() != exitRejected || r.err.Error() != "2 条记录被拒绝" {
		t.Errorf("exit %d, %v", r.code(), r.err)
	}
	if want := bad + ":3: 未知单位“火星区”（unknown_entity）\n"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if got, want := r.stdout, "采集 city-assessment-inbox：新增 2 条，更新 0 条，未变 0 条，拒绝 2 条（partial）\n"; got != want {
		t.Errorf("stdout: got %q, want %q", got, want)
	}
	r = runBizenvEnv(t, dsn, zh, "report", "--period", "2022-05")
	if r.code() != exitRejected || r.err.Error() != "wuhan-edz 2022年5月无数据" {
		t.Errorf("report: exit %d, %v", r.code(), r.err)
	}
}

// TestDefaultAliasYieldsToUser gives a user's record a name that a later
// release adds to the default catalog as another record's alias (光谷, of
// wuhan-ehitech): the next start keeps the user's name and leaves the
// default's alias out, rather than refusing to start.
func TestDefaultAliasYieldsToUser(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, dsn)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	// The release before had no 光谷.
	if _, err := pgtest.SQL(t, db).Exec(`DELETE FROM catalog_aliases WHERE kind = 'entity' AND code = 'wuhan-ehitech' AND alias = '光谷'`); err != nil {
		t.Fatal(err)
	}
	own := writeFile(t, "own.yml", `entities:
  - {code: guanggu-park, name_zh: 光谷软件园, name_en: Optics Valley Software Park, kind: park, parent: wuhan-ehitech, aliases: [光谷]}
`)
	if r := runBizenv(t, dsn, "catalog", "apply", own); r.err != nil {
		t.Fatalf("catalog apply: %v\n%s", r.err, r.stderr)
	}
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate after the user's catalog: %v\n%s", r.err, r.stderr)
	}
	cat, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	names := cat.Names()
	for name, want := range map[string]string{"光谷": "guanggu-park", "东湖高新": "wuhan-ehitech"} {
		if got, _ := names.Entity(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

// TestActionsImportChinese rejects a ledger row under a Chinese locale:
// the reason and the summary are Chinese; the unit may be an alias.
func TestActionsImportChinese(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	ledger := writeFile(t, "台账.csv", "编号,问题,责任单位,开始日期,状态,关联指标\nXC-1,办件量偏低,区行政审批局,2021-09-02,整改中,办件量\nXC-2,p,区外星局,2021-09-02,整改中,\n")
	r := runBizenvEnv(t, dsn, map[string]string{"LANG": "zh_CN.UTF-8"}, "actions", "import", ledger)
	if r.code() != exitRejected || r.err.Error() != "1 条记录被拒绝" {
		t.Errorf("exit %d, %v", r.code(), r.err)
	}
	if want := ledger + ":3: 未知责任单位“区外星局”（unknown_unit）\n"; r.stderr != want {
		t.Errorf("stderr: got %q, want %q", r.stderr, want)
	}
	if want := "整改台账导入：拒绝 1 条：未保存任何数据（全部或全不）\n"; r.stdout != want {
		t.Errorf("stdout: got %q, want %q", r.stdout, want)
	}
}

// TestErrorLanguage: a command's error prints in Chinese under a Chinese
// locale, keeping what the command put in front (the flag), and in English
// otherwise.
func TestErrorLanguage(t *testing.T) {
	dsn := pgtest.DSN(t)
	if r := runBizenv(t, dsn, "migrate"); r.err != nil {
		t.Fatalf("migrate: %v\n%s", r.err, r.stderr)
	}
	clash := writeFile(t, "catalog.yaml",
		"entities:\n  - {code: hannan-x, name_zh: 汉南片区, name_en: Hannan X, kind: park, aliases: [车谷]}\n")
	zh := map[string]string{"LANG": "zh_CN.UTF-8"}
	beijing, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"catalog zh", zh, []string{"catalog", "apply", clash},
			"目录有误：单位别名“车谷”有歧义：它是单位 hannan-x 的别名，又是单位 wuhan-edz 的别名"},
		{"catalog en", nil, []string{"catalog", "apply", clash},
			`catalog: entity alias "车谷" is ambiguous: it is an alias of entity hannan-x and the alias of entity wuhan-edz`},
		{"flag zh", zh, []string{"report", "--period", "2030-01"},
			"--period: 期间“2030-01”晚于当前月份（现在是" + time.Now().In(beijing).Format("2006年1月") + "）"},
		{"entity zh", zh, []string{"report", "--period", "2020-11", "--entity", "江岸"},
			"--entity: 未知单位“江岸”：请使用单位代码、中文名称或别名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBizenvEnv(t, dsn, tc.env, tc.args...)
			if r.err == nil || r.err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", r.err, tc.want)
			}
		})
	}
}
