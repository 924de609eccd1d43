package bizenv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeDemo loads the stack with the demo override, as the override's
// header says to start it: Grafana gets the demo's boards in place of the
// live ones, and the demo's data is imported once bizenv is ready.
func TestComposeDemo(t *testing.T) {
	p := loadProject(t, "docker-compose.demo.yml")
	dir := p.WorkingDir

	const boards = "/var/lib/grafana/dashboards/bizenv"
	var sources []string
	for _, v := range p.Services["grafana"].Volumes {
		if v.Target == boards {
			sources = append(sources, v.Source)
		}
	}
	if want := filepath.Join(dir, "demo", "grafana", "dashboards"); len(sources) != 1 || sources[0] != want {
		t.Errorf("grafana mounts %v at %s, want only %s", sources, boards, want)
	}
	home := p.Services["grafana"].Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if home == nil || !strings.HasPrefix(*home, boards+"/") {
		t.Errorf("grafana's home board %v is not among the mounted boards", home)
	} else if _, err := os.Stat(filepath.Join(dir, "demo", "grafana", "dashboards", strings.TrimPrefix(*home, boards+"/"))); err != nil {
		t.Errorf("the demo has no home board: %v", err)
	}

	imp, ok := p.Services["demo-import"]
	if !ok {
		t.Fatal("no demo-import service")
	}
	if got := imp.DependsOn["bizenv"].Condition; got != types.ServiceConditionHealthy {
		t.Errorf("demo-import waits for bizenv %q, want %q (serve migrates first)", got, types.ServiceConditionHealthy)
	}
	if imp.Image != p.Services["bizenv"].Image {
		t.Errorf("demo-import runs %s, bizenv %s", imp.Image, p.Services["bizenv"].Image)
	}
	if got := imp.DependsOn["demo-catalog"].Condition; got != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("demo-import waits for demo-catalog %q, want %q (items.csv needs the demo catalog)", got, types.ServiceConditionCompletedSuccessfully)
	}
	if cat := p.Services["demo-catalog"]; len(cat.Command) != 3 || cat.Command[0] != "catalog" || cat.Command[1] != "apply" {
		t.Errorf("demo-catalog command %v, want catalog apply FILE", cat.Command)
	}
	if len(imp.Command) < 2 || imp.Command[0] != "import" {
		t.Fatalf("demo-import command %v", imp.Command)
	}
	mounts := map[string]string{}
	for _, v := range imp.Volumes {
		mounts[v.Target] = v.Source
	}
	for _, f := range imp.Command[1:] {
		src, ok := mounts[filepath.Dir(f)]
		if !ok {
			t.Errorf("demo-import reads %s from no mounted folder", f)
			continue
		}
		if _, err := os.Stat(filepath.Join(src, filepath.Base(f))); err != nil {
			t.Errorf("demo-import reads %s: %v", f, err)
		}
	}
}
