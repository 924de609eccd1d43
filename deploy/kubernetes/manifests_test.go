package kubernetes_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
	"github.com/bizenv/bizenv/deploy/kubernetes"
)

const root = "../.."

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGeneratedFilesAreCommitted(t *testing.T) {
	rules := read(t, kubernetes.RulesPath)
	pr, err := kubernetes.PrometheusRule(rules)
	if err != nil {
		t.Fatal(err)
	}
	cms, err := kubernetes.DashboardConfigMaps()
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{kubernetes.PrometheusRulePath: pr, kubernetes.DashboardConfigMapsPath: cms} {
		t.Run(path, func(t *testing.T) {
			if got := read(t, path); string(got) != string(want) {
				t.Errorf("%s differs from what the code generates; run go run ./deploy/grafana/gen", path)
			}
		})
	}
}

// The PrometheusRule's groups are the rule file's, parsed, not just as text.
func TestPrometheusRuleGroupsMatchRuleFile(t *testing.T) {
	var file, pr struct {
		Groups any `yaml:"groups"`
		Kind   string
		Spec   struct {
			Groups any `yaml:"groups"`
		}
	}
	if err := yaml.Unmarshal(read(t, kubernetes.RulesPath), &file); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(read(t, kubernetes.PrometheusRulePath), &pr); err != nil {
		t.Fatal(err)
	}
	if got, want := pr.Kind, "PrometheusRule"; got != want {
		t.Errorf("got kind %q, want %q", got, want)
	}
	if file.Groups == nil {
		t.Fatal("the rule file has no groups")
	}
	if !reflect.DeepEqual(pr.Spec.Groups, file.Groups) {
		t.Error("spec.groups of the PrometheusRule differ from the groups of the rule file")
	}
}

// Each dashboard ConfigMap carries the sidecar label and the very JSON of
// deploy/grafana/dashboards.
func TestDashboardConfigMapsEmbedCommittedJSON(t *testing.T) {
	dec := yaml.NewDecoder(bytes.NewReader(read(t, kubernetes.DashboardConfigMapsPath)))
	got := make(map[string]string)
	for {
		var cm struct {
			Kind     string
			Metadata struct {
				Name   string
				Labels map[string]string
			}
			Data map[string]string
		}
		if err := dec.Decode(&cm); err != nil {
			break
		}
		if cm.Metadata.Labels["grafana_dashboard"] != "1" {
			t.Errorf("%s: got label grafana_dashboard %q, want \"1\"", cm.Metadata.Name, cm.Metadata.Labels["grafana_dashboard"])
		}
		for name, j := range cm.Data {
			got[name] = j
		}
	}
	boards := dashboards.Boards()
	if len(got) != len(boards) {
		t.Errorf("got %d dashboards in ConfigMaps, want %d", len(got), len(boards))
	}
	for _, b := range boards {
		t.Run(b.UID, func(t *testing.T) {
			want := read(t, filepath.Join("deploy/grafana/dashboards", b.FileName()))
			if got[b.FileName()] != string(want) {
				t.Errorf("ConfigMap for %s does not embed deploy/grafana/dashboards/%s", b.UID, b.FileName())
			}
		})
	}
}
