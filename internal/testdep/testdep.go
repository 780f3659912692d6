// Package testdep is for tests that need something outside Go: a
// PostgreSQL or Redis server, Chromium, Python with the cryptography
// package, root to mount a tmpfs. Call Missing when the dependency is not
// there:
//
//	url := os.Getenv("SAMO_TEST_REDIS_URL")
//	if url == "" {
//		testdep.Missing(t, "SAMO_TEST_REDIS_URL not set (make test starts a Redis)")
//	}
//
// On a developer machine the test is skipped with that reason (make test
// prints every skip and its reason in its last line). Under CI=true the
// test fails instead: CI installs and starts every dependency, so a
// missing one is a broken pipeline, and a run must never pass by skipping
// what it was meant to check.
package testdep

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// CI reports whether the tests run in continuous integration (the CI
// environment variable is a true value such as "true" or "1").
func CI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Missing stops t because a dependency is missing: t.Skip normally, t.Fatal
// under CI=true. The reason should say what is missing and what provides it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("missing test dependency (CI=true: a skip would hide an unchecked property): %s", reason)
		return
	}
	t.Skip("missing test dependency: " + reason)
}

// Timing reports whether speed targets are checked: SAMO_TIMING_TARGETS
// is a true value. make soak and make bench set it; make test does not, so
// on a busy or slow machine a test only fails on a generous upper bound
// (at least 5× the target) and logs the measured figure.
func Timing() bool {
	on, err := strconv.ParseBool(os.Getenv("SAMO_TIMING_TARGETS"))
	return err == nil && on
}

// Bound returns target when speed targets are checked (Timing), else
// generous, a bound of at least 5× target for make test.
func Bound(target, generous time.Duration) time.Duration {
	if Timing() {
		return target
	}
	return max(generous, 5*target)
}

// FreePort returns a loopback TCP port that was free a moment ago, for a
// server a test starts (Redis, PostgreSQL, samo itself).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
