package main

import (
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"x/a"}
{"Action":"run","Package":"x/a","Test":"TestOK"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"x/a","Test":"TestOK"}
{"Action":"run","Package":"x/a","Test":"TestRedis"}
{"Action":"output","Package":"x/a","Test":"TestRedis","Output":"=== RUN   TestRedis\n"}
{"Action":"output","Package":"x/a","Test":"TestRedis","Output":"    kv_test.go:50: missing test dependency: no redis\n"}
{"Action":"output","Package":"x/a","Test":"TestRedis","Output":"--- SKIP: TestRedis (0.00s)\n"}
{"Action":"skip","Package":"x/a","Test":"TestRedis"}
{"Action":"output","Package":"x/a","Output":"ok  \tx/a\t0.1s\n"}
{"Action":"pass","Package":"x/a"}
`

const failing = `{"Action":"run","Package":"x/b","Test":"TestBad"}
{"Action":"output","Package":"x/b","Test":"TestBad","Output":"    b_test.go:9: got 1, want 2\n"}
{"Action":"fail","Package":"x/b","Test":"TestBad"}
{"Action":"output","Package":"x/b","Output":"FAIL\tx/b\t0.1s\n"}
{"Action":"fail","Package":"x/b"}
`

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ci       bool
		code     int
		want     []string
	}{
		{"skip locally", stream, false, 0, []string{"ok  \tx/a", `tests: 1 passed, 0 failed, 1 skipped: "missing test dependency: no redis" (a.TestRedis)`}},
		{"skip in CI", stream, true, 1, []string{"1 skipped", "CI=true"}},
		{"failure", failing, false, 1, []string{"got 1, want 2", "FAIL\tx/b", "tests: 0 passed, 1 failed, 0 skipped"}},
		{"clean", `{"Action":"pass","Package":"x/c","Test":"T"}` + "\n", true, 0, []string{"tests: 1 passed, 0 failed, 0 skipped"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if code := run(strings.NewReader(tc.in), &out, tc.ci); code != tc.code {
				t.Errorf("exit code %d, want %d\n%s", code, tc.code, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "=== RUN") {
				t.Errorf("verbose lines leaked:\n%s", out.String())
			}
		})
	}
}
