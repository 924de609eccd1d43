// Command gen writes the files generated from Go code: the Grafana
// dashboards (deploy/grafana/dashboards/*.json, and the demo's in
// deploy/demo/grafana/dashboards), their Kubernetes ConfigMaps
// and the PrometheusRule made from the alert rule file. Run it from the
// repository root after changing a dashboard or a rule:
//
//	go run ./deploy/grafana/gen
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bizenv/bizenv/deploy/grafana/dashboards"
	"github.com/bizenv/bizenv/deploy/kubernetes"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	root := fs.String("root", ".", "the repository root")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := dashboards.Files()
	if err != nil {
		return err
	}
	out := make(map[string][]byte)
	for name, j := range files {
		out[filepath.Join("deploy/grafana/dashboards", name)] = j
	}
	demo, err := dashboards.DemoFiles()
	if err != nil {
		return err
	}
	for name, j := range demo {
		out[filepath.Join(dashboards.DemoDir, name)] = j
	}
	if out[kubernetes.DashboardConfigMapsPath], err = kubernetes.DashboardConfigMaps(); err != nil {
		return err
	}
	rules, err := os.ReadFile(filepath.Join(*root, kubernetes.RulesPath))
	if err != nil {
		return err
	}
	if out[kubernetes.PrometheusRulePath], err = kubernetes.PrometheusRule(rules); err != nil {
		return err
	}
	for name, data := range out {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(*root, name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*root, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
