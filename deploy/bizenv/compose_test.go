// Package bizenv_test checks the docker-compose stack (deploy/docker-compose.yml)
// and the image it builds (Dockerfile) without running Docker.
package bizenv_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadProject loads deploy/docker-compose.yml with the override files
// named, as docker compose -f ... -f ... would.
func loadProject(t *testing.T, overrides ...string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var files []types.ConfigFile
	for _, name := range append([]string{"docker-compose.yml"}, overrides...) {
		files = append(files, types.ConfigFile{Filename: filepath.Join(dir, name)})
	}
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: files,
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName("bizenv", true)
		o.ResolvePaths = true
	})
	if err != nil {
		t.Fatalf("load %v: %v", files, err)
	}
	return project
}

func TestComposeServices(t *testing.T) {
	p := loadProject(t)
	if got, want := p.Name, "bizenv"; got != want {
		t.Errorf("got project %q, want %q", got, want)
	}
	for _, name := range []string{"postgres", "bizenv", "prometheus", "alertmanager", "grafana"} {
		t.Run(name, func(t *testing.T) {
			s, ok := p.Services[name]
			if !ok {
				t.Fatalf("no service %s", name)
			}
			if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
				t.Errorf("service %s has no healthcheck", name)
			}
		})
	}
}

func TestComposePostgres(t *testing.T) {
	s := loadProject(t).Services["postgres"]
	if got, want := s.Image, "postgres:15"; got != want {
		t.Errorf("got image %q, want %q", got, want)
	}
	if got := strings.Join(s.HealthCheck.Test, " "); !strings.Contains(got, "pg_isready") {
		t.Errorf("got healthcheck %q, want pg_isready", got)
	}
	if !hasVolume(s, "/var/lib/postgresql/data", types.VolumeTypeVolume) {
		t.Error("postgres data is not on a named volume")
	}
	if !hasVolume(s, "/docker-entrypoint-initdb.d", types.VolumeTypeBind) {
		t.Error("the init script creating grafana_reader is not mounted")
	}
	script, err := os.ReadFile("initdb/10-grafana-reader.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "CREATE ROLE grafana_reader LOGIN") || !strings.Contains(string(script), "IN ROLE bizenv_readonly") {
		t.Error("the init script does not create grafana_reader as a member of bizenv_readonly")
	}
}

func TestComposeBizenv(t *testing.T) {
	p := loadProject(t)
	s := p.Services["bizenv"]
	if s.Build == nil {
		t.Fatal("bizenv is not built")
	}
	root, _ := filepath.Abs("../..")
	if got, want := s.Build.Context, root; got != want {
		t.Errorf("got build context %q, want the repository root %q", got, want)
	}
	if dsn := s.Environment["BIZENV_DATABASE_URL"]; dsn == nil || !strings.HasPrefix(*dsn, "postgres://") || !strings.Contains(*dsn, "@postgres:5432/") {
		t.Errorf("got BIZENV_DATABASE_URL %v, want a DSN for the postgres service", dsn)
	}
	if got, want := s.DependsOn["postgres"].Condition, types.ServiceConditionHealthy; got != want {
		t.Errorf("got depends_on postgres %q, want %q", got, want)
	}
	if got := strings.Join(s.HealthCheck.Test, " "); !strings.Contains(got, "/readyz") {
		t.Errorf("got healthcheck %q, want /readyz", got)
	}
	if !hasVolume(s, "/etc/bizenv/config.yml", types.VolumeTypeBind) {
		t.Error("config.yml is not mounted")
	}
	if !slices.Contains(s.Command, "--config.file=/etc/bizenv/config.yml") {
		t.Errorf("got command %v, want --config.file=/etc/bizenv/config.yml", s.Command)
	}
	// The image runs as the Dockerfile's USER, unless compose overrides it.
	if s.User != "" {
		t.Errorf("compose sets user %q; the Dockerfile's USER should decide", s.User)
	}
	user := dockerfileUser(t, filepath.Join(s.Build.Context, s.Build.Dockerfile))
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "root" || uid == "0" {
		t.Errorf("got Dockerfile USER %q, want a non-root user", user)
	}
}

func TestComposeMonitoring(t *testing.T) {
	p := loadProject(t)
	tests := []struct {
		service string
		mounts  []string
		volume  string
	}{
		{"prometheus", []string{"/etc/prometheus/prometheus.yml", "/etc/prometheus/rules"}, "/prometheus"},
		{"alertmanager", []string{"/etc/alertmanager/alertmanager.yml", "/etc/alertmanager/templates", "/etc/alertmanager/secrets"}, "/alertmanager"},
		{"grafana", []string{"/etc/grafana/provisioning", "/var/lib/grafana/dashboards/bizenv"}, "/var/lib/grafana"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			s := p.Services[tt.service]
			for _, m := range tt.mounts {
				if !hasVolume(s, m, types.VolumeTypeBind) {
					t.Errorf("%s: %s is not mounted", tt.service, m)
				}
				for _, v := range s.Volumes {
					if v.Target == m {
						if _, err := os.Stat(v.Source); err != nil {
							t.Errorf("%s: mount source: %v", tt.service, err)
						}
					}
				}
			}
			if !hasVolume(s, tt.volume, types.VolumeTypeVolume) {
				t.Errorf("%s: %s is not on a named volume", tt.service, tt.volume)
			}
		})
	}
	for _, name := range []string{"postgres-data", "prometheus-data", "alertmanager-data", "grafana-data"} {
		if _, ok := p.Volumes[name]; !ok {
			t.Errorf("no volume %s", name)
		}
	}
	for name, secret := range p.Secrets {
		if _, err := os.Stat(secret.File); err != nil {
			t.Errorf("secret %s: %v", name, err)
		}
	}
}

func hasVolume(s types.ServiceConfig, target, kind string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == kind {
			return true
		}
	}
	return false
}

// dockerfileUser is the argument of the last USER instruction.
func dockerfileUser(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	user := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && strings.EqualFold(fields[0], "USER") {
			user = fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return user
}
