// Package layers checks, with go list, that the HTTP surfaces depend on
// domain packages only: never on each other, never on the SQL store.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/samo-brain/samo/"

// rules: a package and the packages it must not depend on, directly or
// through another package.
var rules = []struct {
	pkg       string
	forbidden []string
}{
	{"internal/server", []string{"internal/api", "internal/dashboard", "internal/store"}},
	{"internal/api", []string{"internal/server", "internal/dashboard", "internal/store"}},
	{"internal/dashboard", []string{"internal/server", "internal/api", "internal/store"}},
	{"internal/problem", []string{"internal/server", "internal/api", "internal/dashboard", "internal/store"}},
}

// deps is every package pkg depends on (go list -deps), pkg included.
func deps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list imports: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", module+pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	got := map[string]bool{}
	for _, line := range strings.Fields(string(out)) {
		got[strings.TrimPrefix(line, module)] = true
	}
	return got
}

func TestLayers(t *testing.T) {
	for _, r := range rules {
		t.Run(strings.TrimPrefix(r.pkg, "internal/"), func(t *testing.T) {
			d := deps(t, r.pkg)
			if !d[r.pkg] || !d["internal/reqctx"] {
				t.Fatalf("go list -deps %s listed %d packages, not the package itself and its domain imports; the check is broken", r.pkg, len(d))
			}
			for _, f := range r.forbidden {
				if d[f] {
					t.Errorf("%s depends on %s (go list -deps %s)", r.pkg, f, r.pkg)
				}
			}
		})
	}
}
