package bizenv_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bizenv/bizenv"

// The direction of dependencies (README, "Code map"): the root package
// knows no other package of the module; the adapters speak the domain and
// not each other; only cmd/bizenv knows postgres and every adapter. Each
// package below lists the packages of the module it must not reach, even
// through others.
func TestDependencyDirection(t *testing.T) {
	adapters := []string{"postgres", "sql", "internal/pgcluster", "api", "metrics", "report/deliver", "collectors", "cmd/bizenv"}
	except := func(own ...string) []string {
		return slices.DeleteFunc(slices.Clone(adapters), func(p string) bool { return slices.Contains(own, p) })
	}
	for _, tc := range []struct {
		pkg       string
		forbidden []string // import paths below the module; a path forbids its subpackages too
	}{
		{".", []string{""}},
		{"./ingest", append(except(), "report", "config")},
		{"./report", append(except(), "config")},
		{"./report/deliver", except("report/deliver")},
		{"./api", append(except("api"), "config")},
		{"./metrics", append(except("metrics"), "report", "config")},
		{"./collectors/...", except("collectors")},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			for _, dep := range goListDeps(t, tc.pkg) {
				if dep == module {
					continue
				}
				rel, ok := strings.CutPrefix(dep, module+"/")
				if !ok {
					continue // standard library or another module
				}
				for _, f := range tc.forbidden {
					if f == "" || rel == f || strings.HasPrefix(rel, f+"/") {
						t.Errorf("%s depends on %s", tc.pkg, dep)
					}
				}
			}
		})
	}
}

// goListDeps returns the import paths pkg depends on, tests left out.
func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	// go test puts its own GOROOT/bin first in the PATH of the tests.
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	// go list -deps includes the packages themselves.
	own, tree := strings.CutSuffix(strings.TrimPrefix(pkg, "./"), "/...")
	own = module + "/" + own
	var deps []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || line == own || (tree && strings.HasPrefix(line, own+"/")) {
			continue
		}
		deps = append(deps, line)
	}
	return deps
}
